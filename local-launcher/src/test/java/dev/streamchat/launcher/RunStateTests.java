package dev.streamchat.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStateTests {

    @TempDir
    Path directory;

    @Test
    void keepsWhatItRecordedInAFileOnlyItsOwnerCanRead() throws Exception {
        Path file = directory.resolve("run/stack.json");
        var state = new RunState(42, "platform", "secret", List.of()).with("redis", 4242);

        state.write(file);

        assertThat(RunState.read(file)).contains(state);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void seesNoLauncherWhenItsProcessHasEnded() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();

        assertThat(new RunState(ended.pid(), "platform", "secret", List.of()).liveLauncher())
                .isEmpty();
    }

    @Test
    void findsTheProcessesMarkedAsTheRunsOwn() throws Exception {
        Path runDirectory = directory.resolve("run");
        Process marked = new ProcessBuilder("sh", "-c", "sleep 60; :", RunState.marker(runDirectory) + "x").start();
        Process unmarked = new ProcessBuilder("sh", "-c", "sleep 60; :", directory + "/other/x").start();
        try {
            assertThat(RunState.liveProcessesOf(runDirectory))
                    .extracting(ProcessHandle::pid)
                    .containsExactly(marked.pid());
        } finally {
            marked.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            unmarked.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            marked.destroyForcibly();
            unmarked.destroyForcibly();
        }
    }

    @Test
    void readsNothingFromAMissingOrDamagedFile() throws Exception {
        Path file = directory.resolve("stack.json");
        assertThat(RunState.read(file)).isEmpty();

        Files.writeString(file, "{ not json");

        assertThat(RunState.read(file)).isEmpty();
    }
}
