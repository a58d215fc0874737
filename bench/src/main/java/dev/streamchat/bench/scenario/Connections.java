package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Pause;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import dev.streamchat.launcher.ServiceInstance;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 4: as many idle authenticated connections as the box allows, held by child processes of this one (a process
 * may hold at most its file descriptor limit; each child opens from its own 127.0.0.x source address). Reported: the
 * count reached and still open after the hold, and per connection the heap (after a full GC) and RSS that the gateway
 * and each session-service node grew by.
 */
public final class Connections implements Scenario {

    @Override
    public String name() {
        return "connections";
    }

    @Override
    public String description() {
        return "hold idle connections (--connections 20000 --via direct|gateway --per-process 7000 --hold-seconds 30)";
    }

    @Override
    public Report run(Target target, Options options) {
        int connections = options.integer("connections", 20_000);
        String via = options.string("via", "direct");
        int perProcess = options.integer("per-process", 7_000);
        int batch = options.integer("batch", 250);
        int holdSeconds = options.integer("hold-seconds", 30);
        // a user may hold at most 32 connections (session-service's max-connections-per-user): 30 each
        int users = options.integer("users", Math.max(50, (connections + 29) / 30));
        Path out = Path.of(options.string("out", "bench/results"));
        var report = new Report(name()).parameters(options.used());
        List<String> tokens = Tokens.ofNewUsers(target, "conn", users);
        List<String> urls = via.equals("gateway")
                ? List.of(target.gatewayUrl())
                : target.instancesOf("session-service").stream()
                        .map(ServiceInstance::baseUrl)
                        .toList();
        List<String> measured = new ArrayList<>();
        measured.add("gateway-service");
        target.instancesOf("session-service").forEach(node -> measured.add(node.instanceId()));
        Map<String, long[]> before = footprints(target, measured);

        var children = new ArrayList<Child>();
        int held = 0;
        int failed = 0;
        try {
            for (int i = 0; (long) i * perProcess < connections; i++) {
                int count = Math.min(perProcess, connections - i * perProcess);
                var child = Child.start("127.0.0." + (2 + i), count, batch, urls, tokens);
                children.add(child);
                String line = child.readLine(TimeUnit.MINUTES.toMillis(10));
                String[] parts = line.split(" ");
                held += Integer.parseInt(parts[1]);
                failed += Integer.parseInt(parts[3]);
                System.out.printf("connections: %d held (%d failed) after process %d%n", held, failed, i + 1);
            }
            Pause.sleep(holdSeconds * 1000L);
            writeHeapHistograms(target, measured, out, report);
            int still = 0;
            for (Child child : children) {
                child.ask();
                still += Integer.parseInt(child.readLine(60_000).split(" ")[1]);
            }
            Map<String, long[]> after = footprints(target, measured);
            report.figure("reached", held).figure("failedAttempts", failed).figure("stillOpenAfterHold", still);
            for (String instance : measured) {
                long count = connectionsOn(target, instance, via, held);
                long[] b = before.get(instance);
                long[] a = after.get(instance);
                report.figure(key(instance) + ".connections", count)
                        .figure(key(instance) + ".heapMiB", a[0] / 1048576.0)
                        .figure(key(instance) + ".rssMiB", a[1] / 1048576.0);
                if (count > 0) {
                    report.figure(key(instance) + ".heapBytesPerConnection", (a[0] - b[0]) / count)
                            .figure(key(instance) + ".rssBytesPerConnection", (a[1] - b[1]) / count);
                }
            }
        } finally {
            children.forEach(Child::close);
        }
        return report.failures(List.of());
    }

    private static String key(String instanceId) {
        return instanceId.replace("-service", "");
    }

    /** How many connections an instance holds: session nodes say so; the gateway proxies all of them when used. */
    private static long connectionsOn(Target target, String instance, String via, int held) {
        if (instance.equals("gateway-service")) {
            return via.equals("gateway") ? held : 0;
        }
        return (long) target.metric(instance, "streamchat_connections_active", "");
    }

    /** Heap used after a full GC, and RSS, per instance, in bytes. */
    private static Map<String, long[]> footprints(Target target, List<String> instances) {
        var footprints = new LinkedHashMap<String, long[]>();
        for (String instance : instances) {
            long pid = target.stack().service(instance).pid();
            run(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), "GC.run");
            long used = (long) target.metric(instance, "jvm_memory_used_bytes", "area=\"heap\"");
            footprints.put(instance, new long[] {used, Target.rss(pid)});
        }
        return footprints;
    }

    /** The largest classes on each instance's heap while the connections are held: what a connection costs. */
    private static void writeHeapHistograms(Target target, List<String> instances, Path directory, Report report) {
        var files = new ArrayList<String>();
        for (String instance : instances) {
            long pid = target.stack().service(instance).pid();
            try {
                Process jcmd = new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                        .toString(),
                                Long.toString(pid),
                                "GC.class_histogram")
                        .redirectErrorStream(true)
                        .start();
                List<String> lines = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                        .lines()
                        .limit(43)
                        .toList();
                jcmd.waitFor(2, TimeUnit.MINUTES);
                Path file = directory.toAbsolutePath().resolve(report.fileName() + "-" + instance + "-heap.txt");
                Files.createDirectories(directory);
                Files.write(file, lines);
                files.add(file.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        report.figure("heapHistograms", files);
    }

    private static void run(String... command) {
        try {
            new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A {@link ConnectionHolder} process. */
    private record Child(Process process, BufferedReader out, Writer in) {

        static Child start(String source, int count, int batch, List<String> urls, List<String> tokens) {
            var command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms64m",
                    "-Xmx1g",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ConnectionHolder.class.getName(),
                    source,
                    Integer.toString(count),
                    Integer.toString(batch),
                    String.join(",", urls)));
            command.addAll(tokens);
            try {
                Process process = new ProcessBuilder(command)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                return new Child(
                        process,
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
                        new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String readLine(long timeoutMillis) {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            try {
                while (System.currentTimeMillis() < deadline) {
                    if (out.ready()) {
                        String line = out.readLine();
                        if (line != null && (line.startsWith("held ") || line.startsWith("still "))) {
                            return line;
                        }
                    } else if (!process.isAlive()) {
                        throw new IllegalStateException("connection holder exited with " + process.exitValue());
                    } else {
                        Thread.sleep(100);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("connection holder silent for " + timeoutMillis + " ms");
        }

        void ask() {
            try {
                in.write("count\n");
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void close() {
            try {
                in.close();
            } catch (IOException e) {
                // it is going anyway
            }
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
