package dev.streamchat.launcher.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child process with its own log file, started in a session of its own so that a Ctrl-C in the terminal reaches
 * only the launcher, which then stops its children in order.
 */
public final class ManagedProcess {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final String name;
    private final Path logFile;
    private final Process process;

    private ManagedProcess(String name, Path logFile, Process process) {
        this.name = name;
        this.logFile = logFile;
        this.process = process;
    }

    /** Starts {@code command} with {@code environment} added to ours; stdout and stderr go to {@code logFile}. */
    public static ManagedProcess start(
            String name, List<String> command, Map<String, String> environment, Path logFile) {
        var fullCommand = new ArrayList<String>();
        if (Files.isExecutable(SETSID)) {
            fullCommand.add(SETSID.toString());
        }
        fullCommand.addAll(command);
        try {
            Files.createDirectories(logFile.getParent());
            var builder = new ProcessBuilder(fullCommand)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(environment);
            return new ManagedProcess(name, logFile, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + ": " + String.join(" ", command), e);
        }
    }

    /** The java executable of the JDK that runs the launcher (JDK 25, chosen by ./chat). */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** Waits for a process that is meant to end by itself (a tool run) and fails if it ended badly. */
    public void awaitSuccess(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not finish within " + timeout + "; see " + logFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(
                    name + " failed with exit code " + process.exitValue() + ":\n" + tailOfLog(20));
        }
    }

    /**
     * Asks the process to stop (SIGTERM), then kills it and whatever it started if it has not ended in time; returns
     * whether it ended by itself.
     */
    public boolean stop(Duration grace) {
        return Processes.terminate(process.toHandle(), grace);
    }

    /**
     * Kills the process at once (SIGKILL), as a crash would, and returns once it is gone. A JVM with a large heap can
     * take many seconds to be reaped on a loaded machine (a CI run saw more than 10 s), so this waits up to a minute.
     */
    public void kill() {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        awaitExit(Duration.ofMinutes(1));
    }

    /** Waits until the process has ended; fails if it is still alive after {@code timeout}. */
    public void awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(
                        name + " (pid " + process.pid() + ") still runs " + timeout + " after it was told to end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name + " to end", e);
        }
    }

    /**
     * Freezes the process (SIGSTOP) for {@code duration}, then lets it go on (SIGCONT): its connections stay open and
     * nothing answers on them, as when the network to it stops carrying packets.
     */
    public void freeze(Duration duration) {
        signal("STOP");
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            signal("CONT");
        }
    }

    private void signal(String name) {
        try {
            int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed (" + exit + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not signal " + this.name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling " + this.name, e);
        }
    }

    /** The last lines of the log, to show why a process failed. */
    public String tailOfLog(int lines) {
        return Processes.tail(logFile, lines);
    }
}
