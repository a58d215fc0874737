package dev.streamchat.bench.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * JDK Flight Recorder on service instances during a run ({@code jcmd JFR.start}, settings {@code profile}), and the
 * hottest methods of each recording ({@code jfr view hot-methods}) and the methods with the most time below them
 * (callers included) written next to the results.
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
        try {
            // the recordings are written there by the services' JVMs, which do not create it
            Files.createDirectories(profiler.directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
            Path inclusive = directory.resolve(prefix + "-" + instance + "-inclusive-methods.txt");
            String view = run(List.of(tool("jfr"), "view", "--width", "180", "hot-methods", recording.toString()));
            try {
                Files.writeString(hot, view);
                Files.writeString(inclusive, inclusiveMethods(recording, 80));
                Files.deleteIfExists(recording);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            written.add(hot);
            written.add(inclusive);
        }
        return written;
    }

    /**
     * The methods on the stack of the most CPU samples (a method counted once per sample however deep it recurs):
     * where the time goes, callers included, which {@code hot-methods} (the top frame only) does not show.
     */
    static String inclusiveMethods(Path recording, int limit) throws IOException {
        var counts = new HashMap<String, Integer>();
        int samples = 0;
        try (var file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                    continue;
                }
                samples++;
                var seen = new HashSet<String>();
                for (RecordedFrame frame : event.getStackTrace().getFrames()) {
                    String method = frame.getMethod().getType().getName() + "."
                            + frame.getMethod().getName();
                    if (seen.add(method)) {
                        counts.merge(method, 1, Integer::sum);
                    }
                }
            }
        }
        var text = new StringBuilder(
                "CPU samples on whose stack each method is (callers included), of " + samples + " samples\n\n");
        int total = Math.max(1, samples);
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .forEach(entry -> text.append(String.format(
                        "%6.2f%% %7d  %s%n", 100.0 * entry.getValue() / total, entry.getValue(), entry.getKey())));
        return text.toString();
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
