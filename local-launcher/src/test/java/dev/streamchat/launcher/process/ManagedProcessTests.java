package dev.streamchat.launcher.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTests {

    @TempDir
    Path directory;

    @Test
    void writesItsOutputToItsLogAndShowsItsTailWhenItFails() throws Exception {
        Path log = directory.resolve("logs/tool.log");
        var process = ManagedProcess.start(
                "tool",
                List.of("sh", "-c", "echo first; echo \"$GREETING\" >&2; exit 3"),
                Map.of("GREETING", "second"),
                log);

        assertThatIllegalStateException()
                .isThrownBy(() -> process.awaitSuccess(Duration.ofSeconds(20)))
                .withMessageContaining("exit code 3")
                .withMessageContaining("first\nsecond");
        assertThat(Files.readAllLines(log)).containsExactly("first", "second");
    }

    @Test
    void stopKillsAProcessThatIgnoresTerminationAndWhatItStarted() {
        var process = ManagedProcess.start(
                "stubborn",
                List.of("sh", "-c", "trap '' TERM; sleep 60 & wait"),
                Map.of(),
                directory.resolve("stubborn.log"));
        List<ProcessHandle> children = awaitChildren(process);

        process.stop(Duration.ofMillis(500));

        assertThat(process.isAlive()).isFalse();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void runsInASessionOfItsOwnSoThatTerminalSignalsReachOnlyTheLauncher() {
        var process =
                ManagedProcess.start("sleeper", List.of("sleep", "60"), Map.of(), directory.resolve("sleeper.log"));
        try {
            awaitCommand(process.pid(), "sleep");
            // with setsid, the child leads its own session: its pid is its session id (field 6 of /proc/pid/stat)
            String stat = readStat(process.pid());
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(Long.parseLong(fields[3])).isEqualTo(process.pid());
        } finally {
            process.kill();
        }
    }

    private static void awaitCommand(long pid, String command) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ProcessHandle.of(pid)
                .flatMap(p -> p.info().command())
                .map(c -> c.endsWith("/" + command))
                .orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pid + " never ran " + command);
            }
            Thread.onSpinWait();
        }
    }

    private static String readStat(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<ProcessHandle> awaitChildren(ManagedProcess process) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> children =
                    process.process().toHandle().children().toList();
            if (!children.isEmpty()) {
                return children;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("the shell started no child");
    }
}
