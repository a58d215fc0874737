package dev.streamchat.launcher.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Stopping processes by handle, also those of an earlier launcher that is gone. */
public final class Processes {

    private Processes() {}

    /**
     * SIGTERM, wait up to {@code grace}, then SIGKILL to the process and everything it started. Returns whether the
     * process ended by itself within {@code grace} (a process that had ended already did not).
     */
    public static boolean terminate(ProcessHandle handle, Duration grace) {
        if (!handle.isAlive()) {
            return false;
        }
        var descendants = new ArrayList<>(handle.descendants().toList());
        handle.destroy();
        boolean endedInTime = false;
        try {
            handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            endedInTime = true;
        } catch (TimeoutException e) {
            // and what it started since (a JVM writing its start-up cache runs a JVM of its own for it)
            descendants.addAll(handle.descendants().toList());
            handle.destroyForcibly();
            awaitExit(handle, Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.destroyForcibly();
        } catch (ExecutionException e) {
            // onExit does not complete exceptionally; nothing to do
        }
        for (ProcessHandle descendant : descendants) {
            if (descendant.isAlive()) {
                descendant.destroyForcibly();
                awaitExit(descendant, Duration.ofSeconds(5));
            }
        }
        return endedInTime;
    }

    static void awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // still alive after SIGKILL: reported by the caller's checks
        }
    }

    /**
     * The memory of a process in bytes from Linux's {@code /proc/<pid>/smaps_rollup}: its resident set ({@code Rss}) and
     * its proportional share of it ({@code Pss}: a page shared by n processes counts 1/n), zeros when it is gone.
     */
    public static Memory memoryOf(long pid) {
        long rss = 0;
        long pss = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Rss:")) {
                    rss = kilobytes(line) * 1024;
                } else if (line.startsWith("Pss:")) {
                    pss = kilobytes(line) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return new Memory(rss, pss);
    }

    /** Resident and proportional set sizes in bytes. */
    public record Memory(long residentBytes, long proportionalBytes) {

        public Memory plus(Memory other) {
            return new Memory(residentBytes + other.residentBytes, proportionalBytes + other.proportionalBytes);
        }
    }

    private static long kilobytes(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /** The last {@code lines} lines of a text file, or an empty string. */
    public static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** Live processes, other than this JVM, whose command line contains {@code marker}. */
    public static List<ProcessHandle> withMarkerInCommandLine(String marker) {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
    }
}
