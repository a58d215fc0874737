package dev.streamchat.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.streamchat.launcher.process.Ports;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the launcher does before it starts anything: the checks that keep a second start from doing harm. */
class LocalStackTests {

    @TempDir
    Path repository;

    @Test
    void refusesToStartWhenAPortIsTakenAndNamesWhoHoldsIt() throws Exception {
        try (var taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int zipkinPort = taken.getLocalPort();
            var settings = settings(zipkinPort);
            var progress = new ArrayList<String>();

            assertThatIllegalStateException()
                    .isThrownBy(() -> LocalStack.start(settings, progress::add))
                    .withMessageContaining("port " + zipkinPort + " (for Zipkin) is taken by pid "
                            + ProcessHandle.current().pid());
            assertThat(progress).noneMatch(line -> line.startsWith("started"));
            assertThat(settings.stateFile()).doesNotExist();
        }
    }

    @Test
    void stopsWhatAnEarlierRunLeftBehindBeforeStarting() throws Exception {
        var settings = settings(Ports.findFree());
        Files.createDirectories(settings.runDirectory());
        Process leftover = new ProcessBuilder(
                        "sh",
                        "-c",
                        "sleep 60; :",
                        settings.runDirectory().resolve("data/leftover").toString())
                .start();
        var progress = new ArrayList<String>();

        // the jars of this empty repository are missing, so the start stops right after its checks
        assertThatIllegalStateException()
                .isThrownBy(() -> LocalStack.start(settings, progress::add))
                .withMessageContaining("not built yet");
        assertThat(leftover.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(progress).anyMatch(line -> line.contains("an earlier run left behind: pids [" + leftover.pid()));
    }

    @Test
    void refusesToStartWhileAnotherStackRunsFromTheSameFolderAndLeavesItAlone() throws Exception {
        var settings = settings(Ports.findFree());
        Process launcher = new ProcessBuilder("sh", "-c", "sleep 60; :", Chat.class.getName()).start();
        Process service = new ProcessBuilder(
                        "sh",
                        "-c",
                        "sleep 60; :",
                        settings.runDirectory().resolve("data/service").toString())
                .start();
        try {
            new RunState(launcher.pid(), "platform", "secret", List.of()).write(settings.stateFile());

            LocalStack stack = LocalStack.create(settings, line -> {});
            assertThatIllegalStateException()
                    .isThrownBy(stack::start)
                    .withMessageContaining("already running")
                    .withMessageContaining("launcher pid " + launcher.pid());
            stack.close();

            assertThat(launcher.isAlive()).isTrue();
            assertThat(service.isAlive()).isTrue();
            assertThat(RunState.read(settings.stateFile())).isPresent();
        } finally {
            for (Process process : List.of(launcher, service)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }

    private StackSettings settings(int zipkinPort) {
        var ports = new InfrastructurePorts(
                Ports.findFree(),
                Ports.findFree(),
                Ports.findFree(),
                Ports.findFree(),
                Ports.findFree(),
                Ports.findFree(),
                zipkinPort);
        return new StackSettings(
                repository,
                repository.resolve("run"),
                ports,
                List.of(new ServiceInstance(StackSettings.DISCOVERY, StackSettings.DISCOVERY, Ports.findFree())),
                List.of(),
                Duration.ofSeconds(30),
                Map.of(),
                false);
    }
}
