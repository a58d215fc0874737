package dev.streamchat.bench.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JDK Flight Recorder on service instances during a run ({@code jcmd JFR.start}, settings {@code profile}), and the
 * hottest methods of each recording ({@code jfr view hot-methods}) written next to the results.
 */
public final class Profiler {

    private final Target target;
    private final List<String> instances;
    private final Path directory;

    private Profiler(Target target, List<String> instances, Path directory) {
        this.target = target;
        this.instances = instances;
        this.directory = directory;
    }

    /** Starts a recording in each instance named (comma-separated; empty: none). */
    public static Profiler start(Target target, String instances, Path directory) {
        var profiler = new Profiler(
                target, instances.isBlank() ? List.of() : List.of(instances.split(",")), directory.toAbsolutePath());
        for (String instance : profiler.instances) {
            jcmd(target, instance, "JFR.start", "name=bench", "settings=profile");
        }
        return profiler;
    }

    /** Stops the recordings; returns the files with each instance's hottest methods. */
    public List<Path> stop(String prefix) {
        var written = new ArrayList<Path>();
        for (String instance : instances) {
            Path recording = directory.resolve(prefix + "-" + instance + ".jfr");
            jcmd(target, instance, "JFR.stop", "name=bench", "filename=" + recording);
            Path hot = directory.resolve(prefix + "-" + instance + "-hot-methods.txt");
            String view = run(List.of(tool("jfr"), "view", "--width", "180", "hot-methods", recording.toString()));
            try {
                Files.writeString(hot, view);
                Files.deleteIfExists(recording);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            written.add(hot);
        }
        return written;
    }

    private static void jcmd(Target target, String instance, String... command) {
        var line = new ArrayList<>(List.of(
                tool("jcmd"), Long.toString(target.stack().service(instance).pid())));
        line.addAll(List.of(command));
        run(line);
    }

    private static String tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static String run(List<String> command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
