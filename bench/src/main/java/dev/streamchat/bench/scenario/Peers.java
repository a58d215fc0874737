package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.client.StreamRun;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.CpuTimes;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import dev.streamchat.launcher.ServiceInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The same resume workload on this system and on the npm peers (bench/peers: Vercel's resumable-stream, Socket.IO 4
 * with connection-state recovery and the Redis streams adapter), in one run, on this machine and this stack's Redis:
 * S streams of N chunks, each client drops once at a random chunk in the middle half and reconnects at once to the
 * other server process (here: the other session-service node). Reported for each: exact streams, missing,
 * duplicates, resume latency (new connection to first missing chunk), chunks per second, CPU per chunk (every
 * server process and Redis; for this system every process of the stack but the load client), peak RSS; for this
 * system also the live latency of the chunks not resumed.
 */
public final class Peers implements Scenario {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public String name() {
        return "peers";
    }

    @Override
    public String description() {
        return "the resume workload here and on resumable-stream and Socket.IO (--streams 100 --chunks 200 --cadences 0,10,50)";
    }

    @Override
    public Report run(Target target, Options options) {
        int streams = options.integer("streams", 100);
        int chunks = options.integer("chunks", 200);
        String cadences = options.string("cadences", "0,10,50");
        List<String> peers = List.of(
                options.string("peer-names", "resumable-stream,socket.io").split(","));
        long seed = options.integer("seed", 42);
        Path root = target.settings().repositoryRoot();
        Path work = root.resolve("bench/target/peers");
        var report = new Report(name()).parameters(options.used());
        var failures = new ArrayList<String>();
        installPeers(root.resolve("bench/peers"));
        for (int cadence :
                Arrays.stream(cadences.split(",")).mapToInt(Integer::parseInt).toArray()) {
            String prefix = "cadence" + cadence + "ms.";
            var ours = new Measurements();
            var random = new Random(seed);
            List<StreamClient.Plan> plans = Tokens.ofNewUsers(target, "peer", streams).stream()
                    .map(token -> new StreamClient.Plan(
                            token,
                            chunks,
                            cadence,
                            chunks / 4 + random.nextInt(chunks / 2 + 1),
                            true,
                            Duration.ofSeconds(60)))
                    .toList();
            long[] rssBefore = sessionRss(target);
            var cpuBefore = CpuTimes.snapshot(target);
            StreamRun.run(target.throughGateway(), plans, ours, Scenario.runTimeout(chunks, cadence));
            var cpu = CpuTimes.perUnitMicros(cpuBefore, CpuTimes.snapshot(target), ours.chunks.get());
            long[] rssAfter = sessionRss(target);
            String us = prefix + "streamchat.";
            report.figure(us + "exactStreams", ours.exactStreams.get())
                    .figure(us + "missing", ours.missing.get())
                    .figure(us + "duplicates", ours.duplicates.get())
                    .figure(us + "resumes", ours.resumes.get())
                    .figure(us + "chunksPerSecond", ours.chunksPerSecond())
                    .figure(
                            us + "cpuMicrosPerChunk",
                            Math.round((cpu.get("total") - cpu.get("load client")) * 10) / 10.0)
                    .figure(us + "cpuMicrosPerChunkByProcess", cpu)
                    .latency(us + "liveChunk", ours.chunkLatency)
                    .latency(us + "firstChunk", ours.firstChunk)
                    .figure(us + "sessionNodesRssMiB", (rssAfter[0] + rssAfter[1]) / 1048576.0)
                    .figure(
                            us + "sessionNodesRssGrowthMiB",
                            (rssAfter[0] + rssAfter[1] - rssBefore[0] - rssBefore[1]) / 1048576.0)
                    .latency(us + "resume", ours.resume);
            failures.addAll(ours.failures());
            for (String peer : peers) {
                Path out = work.resolve(peer + "-c" + cadence + ".json");
                int exit = runPeer(root, peer, streams, chunks, cadence, seed, target, out);
                String key = prefix + peer.replace(".", "") + ".";
                if (!Files.exists(out)) {
                    failures.add(peer + " at " + cadence + " ms wrote no result (exit " + exit + ")");
                    continue;
                }
                JsonNode result = read(out);
                report.figure(key + "version", result.path("version").asString())
                        .figure(
                                key + "exactStreams",
                                result.path("exactStreams").asInt())
                        .figure(key + "missingChunks", result.path("missing").asInt())
                        .figure(
                                key + "duplicateChunks",
                                result.path("duplicates").asInt())
                        .figure(key + "resumes", result.path("resumes").asInt())
                        .figure(
                                key + "recoveredResumes",
                                result.path("recoveredResumes").asInt())
                        .figure(
                                key + "resumeP50Ms",
                                result.path("resumeLatencyMs").path("p50").asDouble())
                        .figure(
                                key + "resumeP99Ms",
                                result.path("resumeLatencyMs").path("p99").asDouble())
                        .figure(
                                key + "chunksPerSecond",
                                result.path("chunksPerSecond").asDouble())
                        .figure(
                                key + "cpuMicrosPerChunk",
                                result.path("cpuMicrosPerChunk").asDouble())
                        .figure(
                                key + "serversRssMiB",
                                result.path("peakRssMb").path("serverA").asDouble()
                                        + result.path("peakRssMb")
                                                .path("serverB")
                                                .asDouble())
                        .figure(key + "notes", result.path("notes").asString(""));
            }
        }
        return report.failures(failures);
    }

    private static long[] sessionRss(Target target) {
        return target.instancesOf("session-service").stream()
                .map(ServiceInstance::instanceId)
                .mapToLong(id -> Target.rss(target.stack().service(id).pid()))
                .toArray();
    }

    /** {@code npm ci} once (the pinned versions of package-lock.json), from the npm registry. */
    private static void installPeers(Path peers) {
        if (Files.isDirectory(peers.resolve("node_modules"))) {
            return;
        }
        int exit = exec(
                peers,
                Duration.ofMinutes(5),
                List.of("npm", "ci", "--no-audit", "--no-fund"),
                peers.resolve("../target/npm-ci.log").normalize(),
                Map.of());
        if (exit != 0) {
            throw new IllegalStateException("npm ci in " + peers + " failed with " + exit);
        }
    }

    private static int runPeer(
            Path root, String peer, int streams, int chunks, int cadence, long seed, Target target, Path out) {
        try {
            Files.createDirectories(out.getParent());
            Files.deleteIfExists(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return exec(
                root,
                Duration.ofMinutes(5),
                List.of(
                        "node",
                        "bench/peers/run.mjs",
                        "--peer",
                        peer,
                        "--streams",
                        Integer.toString(streams),
                        "--chunks",
                        Integer.toString(chunks),
                        "--cadence-ms",
                        Integer.toString(cadence),
                        "--seed",
                        Long.toString(seed),
                        "--out",
                        out.toString()),
                out.resolveSibling(out.getFileName().toString().replace(".json", ".log")),
                // this stack's Redis, with its login (in the environment: not on a command line others can list)
                Map.of("PEERS_REDIS_URL", target.stack().redis().uri()));
    }

    /**
     * Runs a command with its output in {@code log} (printed afterwards) and nothing on its standard input: a Node.js
     * child sharing ours would switch it to non-blocking mode, which breaks a test runner reading its own standard
     * input (Surefire's forked JVM did: "std/in stream corrupted").
     */
    private static int exec(
            Path directory, Duration timeout, List<String> command, Path log, Map<String, String> environment) {
        try {
            Files.createDirectories(log.getParent());
            var builder = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                process.destroyForcibly();
            }
            List<String> lines = Files.readAllLines(log);
            lines.subList(Math.max(0, lines.size() - 3), lines.size())
                    .forEach(line -> System.out.println(command.getFirst() + ": " + line));
            return ended ? process.exitValue() : -1;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.getFirst() + " (is Node.js installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
