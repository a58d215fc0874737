package dev.streamchat.e2e;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.StackSettings;
import dev.streamchat.testsupport.ModelWireServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The system under test: started on first use by the same launcher as {@code ./chat up} (same ports, same JVM
 * options, run folder {@code e2e-tests/target/e2e-run} with fresh data), shared by every test class of the run, and
 * stopped when the run ends. Test methods and constructors ask for it with a {@link LocalStack} parameter.
 */
public final class SharedStack implements ParameterResolver {

    private static final Path RUN_DIRECTORY = Path.of("target", "e2e-run").toAbsolutePath();
    /** A copy of config-repo/ that the Config Server serves, so that a test may change it (live configuration). */
    static final Path CONFIG_REPO = RUN_DIRECTORY.resolve("config-repo");

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalStack.class;
    }

    @Override
    public LocalStack resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot()
                .getStore(ExtensionContext.Namespace.create(SharedStack.class))
                .computeIfAbsent(Running.class, key -> start(), Running.class)
                .stack();
    }

    private static Running start() {
        deleteRecursively(RUN_DIRECTORY);
        ModelWireServer models = startModelServer();
        StackSettings settings = StackSettings.local(StackSettings.findRepositoryRoot(Path.of("")))
                .withRunDirectory(RUN_DIRECTORY)
                // the run folder is new for every run: a start-up cache would be written at the end and never read
                .withStartupCache(false);
        copy(settings.configRepo(), CONFIG_REPO);
        settings = settings.withServiceEnvironment(Map.of(
                // the OpenAI-compatible provider, pointed at a local server speaking OpenAI's streaming format
                "OPENAI_ENABLED",
                "true",
                "OPENAI_BASE_URL",
                models.baseUrl() + "/v1",
                "OPENAI_MODEL",
                "local-model",
                "CONFIG_REPO_DIR",
                CONFIG_REPO.toString()));
        long started = System.nanoTime();
        try {
            LocalStack stack = LocalStack.start(
                    settings,
                    line -> System.out.printf("[stack %6.1fs] %s%n", (System.nanoTime() - started) / 1e9, line));
            System.out.printf("[stack] healthy in %.1f s%n", (System.nanoTime() - started) / 1e9);
            return new Running(stack, models);
        } catch (RuntimeException e) {
            models.close();
            throw e;
        }
    }

    private static ModelWireServer startModelServer() {
        try {
            return new ModelWireServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stack of this run; closed by JUnit when the run ends (or earlier by a test that stops it on purpose). */
    record Running(LocalStack stack, ModelWireServer models) implements AutoCloseable {

        @Override
        public void close() {
            try {
                stack.close();
            } finally {
                models.close();
            }
        }
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
