package dev.streamchat.testsupport;

import dev.streamchat.launcher.StackSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;

/**
 * Gives a service under test the configuration the Config Server would give it: {@code config-repo/<service>.yml}
 * over {@code config-repo/application.yml}, placed where the Config Server's sources go (above the service's own
 * {@code application.yml}, below test properties and dynamic properties). Only when
 * {@value #ENABLED}{@code =true}, as {@link ServiceIntegrationTest} sets it.
 */
public class ConfigRepoEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    public static final String ENABLED = "streamchat.test.config-repo";

    private final YamlPropertySourceLoader loader = new YamlPropertySourceLoader();

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty(ENABLED, Boolean.class, false)) {
            return;
        }
        String service = environment.getRequiredProperty("spring.application.name");
        Path configRepo = StackSettings.findRepositoryRoot(Path.of("")).resolve("config-repo");
        List<PropertySource<?>> sources = new ArrayList<>();
        sources.addAll(load(configRepo.resolve(service + ".yml")));
        sources.addAll(load(configRepo.resolve("application.yml")));
        var propertySources = environment.getPropertySources();
        String firstConfigFile = propertySources.stream()
                .map(PropertySource::getName)
                .filter(name -> name.startsWith("Config resource"))
                .findFirst()
                .orElse(null);
        for (PropertySource<?> source : sources) {
            if (firstConfigFile == null) {
                propertySources.addLast(source);
            } else {
                propertySources.addBefore(firstConfigFile, source);
            }
        }
    }

    private List<PropertySource<?>> load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing " + file);
        }
        try {
            return loader.load("config-repo/" + file.getFileName(), new FileSystemResource(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Right after Boot has read the application's own files (so that its name is known), where the Config Server's
     * sources arrive: before the post-processors that build on them, such as Spring Cloud Bus's, which appends its
     * consumer to {@code spring.cloud.function.definition} (run earlier, it would set it alone).
     */
    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }
}
