package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.Target;
import org.HdrHistogram.Histogram;

/**
 * Scenario 2: the same load straight to the session-service nodes and through the gateway, alternating in one run
 * (direct, gateway, direct, gateway) so that drift of the machine falls on both; what the gateway hop adds per chunk.
 */
public final class GatewayOverhead implements Scenario {

    @Override
    public String name() {
        return "gateway-overhead";
    }

    @Override
    public String description() {
        return "the same streams direct and through the gateway (--streams 50 --chunks 200 --interval 20 --rounds 2)";
    }

    @Override
    public Report run(Target target, Options options) {
        int streams = options.integer("streams", 50);
        int chunks = options.integer("chunks", 200);
        int interval = options.integer("interval", 20);
        int rounds = options.integer("rounds", 2);
        var report = new Report(name()).parameters(options.used());
        var direct = new Measurements();
        var gateway = new Measurements();
        Throughput.runStreams(
                target, target.throughGateway(), Math.min(streams, 50), Math.min(chunks, 100), 0, new Measurements());
        for (int round = 0; round < rounds; round++) {
            Throughput.runStreams(target, target.directToSessionNodes(), streams, chunks, interval, direct);
            Throughput.runStreams(target, target.throughGateway(), streams, chunks, interval, gateway);
        }
        report.latency("direct.chunkLatency", direct.chunkLatency)
                .latency("gateway.chunkLatency", gateway.chunkLatency)
                .latency("direct.firstChunk", direct.firstChunk)
                .latency("gateway.firstChunk", gateway.firstChunk);
        Scenario.invariant(report, "direct.", direct);
        Scenario.invariant(report, "gateway.", gateway);
        Histogram d = direct.chunkLatency;
        Histogram g = gateway.chunkLatency;
        report.figure("hopMs.p50", (g.getValueAtPercentile(50) - d.getValueAtPercentile(50)) / 1e6)
                .figure("hopMs.p99", (g.getValueAtPercentile(99) - d.getValueAtPercentile(99)) / 1e6)
                .figure("ratio.p50", ratio(g.getValueAtPercentile(50), d.getValueAtPercentile(50)))
                .figure("ratio.p99", ratio(g.getValueAtPercentile(99), d.getValueAtPercentile(99)));
        var failures = new java.util.ArrayList<>(direct.failures());
        failures.addAll(gateway.failures());
        return report.failures(failures);
    }

    private static double ratio(long value, long base) {
        return base == 0 ? 0 : (double) value / base;
    }
}
