package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Endpoint;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.client.StreamRun;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.CpuTimes;
import dev.streamchat.bench.stack.Persistence;
import dev.streamchat.bench.stack.Profiler;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Scenario 1: S concurrent streams through the gateway, at full speed and at a fixed cadence: chunks per second end
 * to end, the latency each chunk gets from the system (orchestrator emit to client receive), the time to first chunk
 * (the simulated model answers at once, so all of it is the system's), and how long persistence-service lags behind.
 */
public final class Throughput implements Scenario {

    @Override
    public String name() {
        return "throughput";
    }

    @Override
    public String description() {
        return "S streams x N chunks at each cadence (--streams 200 --chunks 500 --intervals 0,2 --warmup 1 --profile <instances>)";
    }

    @Override
    public Report run(Target target, Options options) {
        int streams = options.integer("streams", 200);
        int chunks = options.integer("chunks", 500);
        String intervals = options.string("intervals", "0,2");
        boolean warmup = options.integer("warmup", 1) > 0;
        String profile = options.string("profile", "");
        Path out = Path.of(options.string("out", "bench/results"));
        var report = new Report(name()).parameters(options.used());
        var failures = new java.util.ArrayList<String>();
        Endpoint endpoint = target.throughGateway();
        if (warmup) {
            runStreams(target, endpoint, Math.min(streams, 50), Math.min(chunks, 200), 0, new Measurements());
        }
        var profiler = Profiler.start(target, profile, out);
        for (int interval :
                Arrays.stream(intervals.split(",")).mapToInt(Integer::parseInt).toArray()) {
            String prefix = "cadence" + interval + "ms.";
            var measured = new Measurements();
            var cpuBefore = CpuTimes.snapshot(target);
            double lag = runStreams(target, endpoint, streams, chunks, interval, measured);
            // the persistence lag is part of the run: the database work of these chunks is done when it ends
            report.figure(
                    prefix + "cpuMicrosPerChunk",
                    CpuTimes.perUnitMicros(cpuBefore, CpuTimes.snapshot(target), measured.chunks.get()));
            report.figure(prefix + "chunksPerSecond", measured.chunksPerSecond())
                    .figure(prefix + "seconds", measured.seconds())
                    .figure(prefix + "persistenceLagMs", lag)
                    .latency(prefix + "chunkLatency", measured.chunkLatency)
                    .latency(prefix + "firstChunk", measured.firstChunk);
            Scenario.invariant(report, prefix, measured);
            failures.addAll(measured.failures());
        }
        report.figure(
                "profiles",
                profiler.stop(report.fileName()).stream().map(Path::toString).toList());
        return report.failures(failures);
    }

    /** Runs the streams and returns the persistence lag in ms. */
    static double runStreams(
            Target target, Endpoint endpoint, int streams, int chunks, int interval, Measurements measured) {
        List<StreamClient.Plan> plans = Tokens.ofNewUsers(target, "tp", streams).stream()
                .map(token -> new StreamClient.Plan(
                        token, chunks, interval, StreamClient.Plan.NO_DROP, true, Duration.ofSeconds(60)))
                .toList();
        var clients = StreamRun.run(endpoint, plans, measured, Scenario.runTimeout(chunks, interval));
        return Persistence.lagMillis(
                target, Scenario.answers(clients, plans), measured.lastTerminalMicros.get(), Duration.ofMinutes(5));
    }
}
