package dev.streamchat.launcher;

import dev.streamchat.launcher.process.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a running stack has started, kept in {@code run/stack.json} so that {@code ./chat down} and {@code ./chat
 * status} find it from another terminal. Readable by its owner only: it holds the platform password of the run.
 */
public record RunState(
        long launcherPid, String platformUsername, String platformPassword, List<RecordedProcess> processes) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public RunState {
        processes = List.copyOf(processes);
    }

    /** One process of the stack, by the name the launcher gave it. */
    public record RecordedProcess(String name, long pid) {}

    RunState with(String name, long pid) {
        var all = new ArrayList<>(processes);
        all.add(new RecordedProcess(name, pid));
        return new RunState(launcherPid, platformUsername, platformPassword, all);
    }

    /** The launcher of this state, if it still runs (and is not the calling JVM). */
    public Optional<ProcessHandle> liveLauncher() {
        return ProcessHandle.of(launcherPid)
                .filter(ProcessHandle::isAlive)
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .filter(h -> h.info()
                        .commandLine()
                        .map(c -> c.contains(Chat.class.getName()))
                        .orElse(true));
    }

    void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(temporary);
            Files.createFile(
                    temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    public static Optional<RunState> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), RunState.class));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + file, e);
        }
    }

    /** Processes marked as belonging to the stack of {@code runDirectory}, the calling JVM left out. */
    static List<ProcessHandle> liveProcessesOf(Path runDirectory) {
        return Processes.withMarkerInCommandLine(marker(runDirectory));
    }

    /**
     * Every process that the stack of {@code runDirectory} starts carries this in its command line (its temporary
     * directory, data directory or configuration lie under the run folder), so that none can be left behind unseen.
     */
    static String marker(Path runDirectory) {
        return runDirectory.toAbsolutePath().normalize() + "/";
    }
}
