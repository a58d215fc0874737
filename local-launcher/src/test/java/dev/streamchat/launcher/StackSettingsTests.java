package dev.streamchat.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackSettingsTests {

    @TempDir
    Path directory;

    @Test
    void findsTheRepositoryRootFromAModuleBelowIt() throws Exception {
        Files.createDirectories(directory.resolve("config-repo"));
        Files.createFile(directory.resolve("mvnw"));
        Path module = Files.createDirectories(directory.resolve("e2e-tests/target"));

        assertThat(StackSettings.findRepositoryRoot(module)).isEqualTo(directory.toRealPath());
    }

    @Test
    void failsWhereThereIsNoRepository() {
        assertThatIllegalStateException().isThrownBy(() -> StackSettings.findRepositoryRoot(directory));
    }

    @Test
    void runsTwoSessionNodesBesideOneOfEveryOtherService() {
        var settings = StackSettings.local(directory);

        assertThat(settings.services())
                .extracting(ServiceInstance::instanceId, ServiceInstance::port)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("discovery-service", 8761),
                        org.assertj.core.groups.Tuple.tuple("gateway-service", 8080),
                        org.assertj.core.groups.Tuple.tuple("session-service-1", 8081),
                        org.assertj.core.groups.Tuple.tuple("session-service-2", 8082));
        assertThat(settings.services()).extracting(ServiceInstance::port).doesNotHaveDuplicates();
        assertThat(settings.jarOf("session-service"))
                .isEqualTo(settings.repositoryRoot().resolve("session-service/target/session-service.jar"));
    }
}
