package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Endpoint;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.client.StreamRun;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.CpuTimes;
import dev.streamchat.bench.stack.Persistence;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The same short workload R times on one stack, a fixed pause between runs, every run's figures side by side: does
 * the system get slower the longer it is loaded? Each run is S streams of N chunks at a cadence through the gateway,
 * each dropping once at a random chunk in the middle half and resuming, and it ends when persistence-service holds
 * every answer whole (so a durable path that falls behind shows as lag, not as work carried into the next run). W
 * warm-up runs of the same workload come first, reported apart, so that the first measured run does not pay for the
 * JIT compiling the code the others run compiled: the comparison is of a loaded system with itself. Five: with
 * {@code ./chat up}'s JVMs the runs got faster until the fifth or so (1,768 to 5,417 chunks/s), then stayed within
 * the runs' own spread.
 */
public final class Repeat implements Scenario {

    @Override
    public String name() {
        return "repeat";
    }

    @Override
    public String description() {
        return "one workload R times on one stack after W warm-up runs (--runs 10 --warmup 5 --streams 50 --chunks 500"
                + " --interval 2 --pause 30)";
    }

    @Override
    public Report run(Target target, Options options) {
        int runs = options.integer("runs", 10);
        int warmups = options.integer("warmup", 5);
        int streams = options.integer("streams", 50);
        int chunks = options.integer("chunks", 500);
        int interval = options.integer("interval", 2);
        int pauseSeconds = options.integer("pause", 30);
        var report = new Report(name()).parameters(options.used());
        var random = new Random(options.integer("seed", 42));
        Endpoint endpoint = target.throughGateway();
        var failures = new ArrayList<String>();
        double firstRate = 0;
        double firstCpu = 0;
        for (int run = 1 - warmups; run <= runs; run++) {
            String prefix = run < 1 ? "warmup" + (run + warmups) + "." : "run" + run + ".";
            var measured = new Measurements();
            List<StreamClient.Plan> plans = Tokens.ofNewUsers(target, "rp" + run, streams).stream()
                    .map(token -> new StreamClient.Plan(
                            token,
                            chunks,
                            interval,
                            chunks / 4 + random.nextInt(Math.max(1, chunks / 2)),
                            true,
                            Duration.ofSeconds(60)))
                    .toList();
            var cpuBefore = CpuTimes.snapshot(target);
            var clients = StreamRun.run(endpoint, plans, measured, Scenario.runTimeout(chunks, interval));
            double lag = Persistence.lagMillis(
                    target, Scenario.answers(clients, plans), measured.lastTerminalMicros.get(), Duration.ofMinutes(5));
            Map<String, Double> cpu =
                    CpuTimes.perUnitMicros(cpuBefore, CpuTimes.snapshot(target), measured.chunks.get());
            double rate = measured.chunksPerSecond();
            double cpuPerChunk = cpu.getOrDefault("total", 0.0);
            report.figure(prefix + "chunksPerSecond", rate)
                    .figure(prefix + "cpuMicrosPerChunk", cpuPerChunk)
                    .figure(prefix + "persistenceLagMs", lag)
                    .latency(prefix + "chunkLatency", measured.chunkLatency)
                    .latency(prefix + "firstChunk", measured.firstChunk)
                    .latency(prefix + "resume", measured.resume);
            Scenario.invariant(report, prefix, measured);
            failures.addAll(measured.failures());
            System.out.printf(
                    "repeat: %s %.0f chunks/s, %.0f us CPU per chunk, persistence %.0f ms behind%n",
                    run < 1
                            ? "warm-up " + (run + warmups) + " of " + warmups + ","
                            : "run " + run + " of " + runs + ",",
                    rate,
                    cpuPerChunk,
                    lag);
            if (run == 1) {
                firstRate = rate;
                firstCpu = cpuPerChunk;
            } else {
                // the targets compare the last run with the first: within 10 % of it
                report.figure("lastVsFirst.chunksPerSecond", firstRate == 0 ? 0 : rate / firstRate)
                        .figure("lastVsFirst.cpuMicrosPerChunk", firstCpu == 0 ? 0 : cpuPerChunk / firstCpu);
            }
            if (run < runs && pauseSeconds > 0) {
                sleep(Duration.ofSeconds(pauseSeconds));
            }
        }
        return report.failures(failures);
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
