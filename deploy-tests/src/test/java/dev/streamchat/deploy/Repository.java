package dev.streamchat.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** The repository these tests check: its root, its files, its service modules and their configuration. */
final class Repository {

    /** The root: the folder above this module that holds the aggregator pom and config-repo/. */
    static final Path ROOT = findRoot();

    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    private Repository() {}

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ROOT.relativize(file), e);
        }
    }

    static String read(String relative) {
        return read(path(relative));
    }

    /** The first (or only) document of a YAML file, as maps and lists; merge keys ({@code <<}) resolved. */
    static Map<String, Object> yaml(String relative) {
        return Tree.map(yamlDocuments(read(relative)).getFirst());
    }

    /** Every document of a YAML stream, empty ones left out. */
    static List<Object> yamlDocuments(String text) {
        var options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(200);
        var documents = new ArrayList<Object>();
        for (Object document : new Yaml(options).loadAll(text)) {
            if (document != null) {
                documents.add(document);
            }
        }
        return documents;
    }

    /** The modules of the aggregator pom, in its order. */
    static List<String> modules() {
        return MODULE.matcher(read("pom.xml"))
                .results()
                .map(m -> m.group(1).trim())
                .toList();
    }

    /**
     * The deployable services: the modules with a {@code src/main/resources/application.yml} that names the
     * application after the module. Each has its configuration as the service sees it at start: config-repo's
     * application.yml with its own {@code <module>.yml} over it, or, for discovery-service (which does not read from
     * itself), its own application.yml.
     */
    static List<ServiceModule> serviceModules() {
        var services = new ArrayList<ServiceModule>();
        for (String module : modules()) {
            Path ownConfiguration = path(module).resolve("src/main/resources/application.yml");
            if (!Files.isRegularFile(ownConfiguration)) {
                continue;
            }
            Map<String, Object> own =
                    Tree.flatten(Tree.map(yamlDocuments(read(ownConfiguration)).getFirst()));
            if (!module.equals(own.get("spring.application.name"))) {
                continue;
            }
            boolean configServer = own.keySet().stream().anyMatch(key -> key.startsWith("spring.cloud.config.server."));
            var configuration = new LinkedHashMap<String, Object>();
            if (configServer) {
                configuration.putAll(own);
            } else {
                configuration.putAll(Tree.flatten(yaml("config-repo/application.yml")));
                if (Files.isRegularFile(path("config-repo/" + module + ".yml"))) {
                    configuration.putAll(Tree.flatten(yaml("config-repo/" + module + ".yml")));
                }
            }
            services.add(new ServiceModule(module, configServer, configuration));
        }
        return services;
    }

    /** The files of config-repo/ the Config Server serves (its YAML files), by name. */
    static List<String> configRepoFiles() {
        try (Stream<Path> files = Files.list(path("config-repo"))) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".yml") || name.endsWith(".yaml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path findRoot() {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null) {
            if (Files.isRegularFile(directory.resolve("pom.xml"))
                    && Files.isDirectory(directory.resolve("config-repo"))) {
                return directory;
            }
            directory = directory.getParent();
        }
        throw new IllegalStateException("no repository root (pom.xml beside config-repo/) above "
                + Path.of("").toAbsolutePath());
    }
}
