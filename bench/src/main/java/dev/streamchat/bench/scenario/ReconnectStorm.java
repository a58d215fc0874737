package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.client.StreamRun;
import dev.streamchat.bench.fault.FaultSuite;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.Persistence;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 5: C clients streaming through the gateway, spread over two session-service nodes; one node is killed with
 * SIGKILL mid-stream. Its clients reconnect at once (through the gateway, which routes them to the survivor) and
 * resume. Reported: how long until every one of them had its next chunk, missing and duplicated chunks (must be 0),
 * whether the database holds every answer whole; then the node is started again.
 */
public final class ReconnectStorm implements Scenario {

    @Override
    public String name() {
        return "reconnect-storm";
    }

    @Override
    public String description() {
        return "kill -9 one of two session nodes under C streams (--clients 100 --chunks 600 --interval 50)";
    }

    @Override
    public Report run(Target target, Options options) {
        int clients = options.integer("clients", 100);
        int chunks = options.integer("chunks", 600);
        int interval = options.integer("interval", 50);
        String victim = options.string("victim", "session-service-1");
        var report = new Report(name()).parameters(options.used());
        var measured = new Measurements();
        List<StreamClient.Plan> plans = Tokens.ofNewUsers(target, "storm", clients).stream()
                .map(token -> new StreamClient.Plan(
                        token, chunks, interval, StreamClient.Plan.NO_DROP, false, Duration.ofSeconds(90)))
                .toList();
        // the clients spread over both nodes: the victim may just have been restarted, or be busy (the connections
        // scenario's 10,000 disconnects) and out of the gateway's list for a moment
        target.awaitGatewayRoutesTo(victim);
        try (var run = StreamRun.start(target.throughGateway(), plans, measured)) {
            FaultSuite.awaitChunks(measured, (long) clients * Math.min(20, chunks / 4));
            FaultSuite.awaitFirstChunks(measured, clients);
            long onVictim = run.clients().stream()
                    .filter(c -> c.nodeId().equals(victim))
                    .count();
            long killed = System.nanoTime();
            target.stack().service(victim).kill();
            run.await(Scenario.runTimeout(chunks, interval));
            long lastResumed = measured.lastResumedNanos.get();
            report.figure("clientsOnKilledNode", onVictim)
                    .figure("resumed", measured.unplannedResumes.get())
                    // RECONNECTs answered RECOVERY {status: ERROR} (recovery-service not answering within the session
                    // node's timeout) and sent again
                    .figure("retriedAfterRecoveryError", measured.recoveryRetries.get())
                    .figure("allResumedAfterMs", lastResumed == Long.MIN_VALUE ? -1 : (lastResumed - killed) / 1e6)
                    .latency("resume", measured.resume)
                    .latency("reconnectToChunk", measured.reconnectToChunk);
            Scenario.invariant(report, "", measured);
            var answers = Scenario.answers(run.clients(), plans);
            report.figure(
                    "persistenceLagMs",
                    Persistence.lagMillis(target, answers, measured.lastTerminalMicros.get(), Duration.ofMinutes(5)));
            long restart = System.nanoTime();
            target.stack().restartService(victim);
            report.figure("nodeBackAfterMs", (System.nanoTime() - restart) / 1e6);
            // what runs next spreads over both nodes again
            target.awaitGatewayRoutesTo(victim);
        }
        return report.failures(measured.failures());
    }
}
