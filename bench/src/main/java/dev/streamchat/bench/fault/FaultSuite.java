package dev.streamchat.bench.fault;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.Pause;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.client.StreamRun;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.scenario.Scenario;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Every fault, one after the other, each under S streams through the gateway: the fault is inflicted once the
 * answers are under way, the clients resume as real ones would, the fault is healed, and then the suite counts per
 * fault the streams affected, those resumed exactly, missing and duplicated chunks, chunks the clients received that
 * PostgreSQL does not hold, the time until every affected stream was going again, and instances not healthy after.
 */
public final class FaultSuite implements Scenario {

    private final List<Fault> faults = List.of(
            new KillProcess("kill -9 session node", "session-service", false),
            new KillProcess("kill -9 orchestrator", "orchestrator-service", true),
            // longer than the 10 s lease: the other orchestrator takes the answers over and ends them as INTERRUPTED
            new LinkFrozen("orchestrator-service-1", "redis", Duration.ofSeconds(15), true),
            new LinkFrozen("orchestrator-service-1", "kafka", Duration.ofSeconds(10), false),
            new LinkFrozen("session-service-1", "redis", Duration.ofSeconds(10), false),
            new InfrastructureOutage("kafka", true, Duration.ofSeconds(5)),
            new InfrastructureOutage("kafka", false, Duration.ofSeconds(10)),
            new InfrastructureOutage("redis", false, Duration.ofSeconds(10)),
            new InfrastructureOutage("redis", true, Duration.ofSeconds(5)),
            new InfrastructureOutage("postgres", true, Duration.ofSeconds(30)),
            new HostileFrames(10),
            new NoisyNeighbour());

    /** One line of the table. */
    record Row(
            String fault,
            int streams,
            int affected,
            int resumedExact,
            long missing,
            long duplicates,
            long rowsLost,
            long rowsBeyondEnd,
            double recoverMs,
            double longestStallMs,
            List<String> unhealthy,
            int failures) {}

    @Override
    public String name() {
        return "faults";
    }

    @Override
    public String description() {
        return "every fault under S streams, one table (--streams 60 --chunks 400 --interval 50 --only <names>)";
    }

    @Override
    public Report run(Target target, Options options) {
        int streams = options.integer("streams", 60);
        int chunks = options.integer("chunks", 400);
        int interval = options.integer("interval", 50);
        List<String> only = Arrays.asList(options.string("only", "").split(","));
        var report = new Report(name()).parameters(options.used());
        var rows = new ArrayList<Row>();
        var failures = new ArrayList<String>();
        for (Fault fault : faults) {
            if (!only.equals(List.of("")) && !only.contains(key(fault))) {
                continue;
            }
            var measured = new Measurements();
            Row row = inflict(target, fault, streams, chunks, interval, measured);
            rows.add(row);
            String prefix = key(fault) + ".";
            report.figure(prefix + "streams", row.streams())
                    .figure(prefix + "affected", row.affected())
                    .figure(prefix + "resumedExact", row.resumedExact())
                    .figure(prefix + "missing", row.missing())
                    .figure(prefix + "duplicates", row.duplicates())
                    .figure(prefix + "rowsLost", row.rowsLost())
                    .figure(prefix + "rowsBeyondEnd", row.rowsBeyondEnd())
                    .figure(prefix + "recoverMs", row.recoverMs())
                    .figure(prefix + "longestStallMs", row.longestStallMs())
                    .figure(prefix + "unhealthyAfter", row.unhealthy())
                    .figure(prefix + "protocolErrors", measured.protocolErrors.get())
                    .figure(prefix + "interrupted", measured.interrupted.get())
                    .figure(prefix + "violations", measured.violations.get())
                    .figure(prefix + "requestsRetried", measured.requestRetries.get())
                    .latency(prefix + "resume", measured.resume);
            measured.failures().forEach(failure -> failures.add(fault.name() + ": " + failure));
            fault.findings().forEach(finding -> failures.add(fault.name() + ": " + finding));
            if (row.rowsLost() > 0 || row.rowsBeyondEnd() > 0) {
                failures.add(fault.name() + ": PostgreSQL lacks " + row.rowsLost()
                        + " chunks the clients got and holds " + row.rowsBeyondEnd() + " past the end they got");
            }
        }
        System.out.println(table(rows));
        return report.failures(failures);
    }

    /** The fault's short name in the report and for {@code --only}: {@code kill-9-session-node}. */
    static String key(Fault fault) {
        return fault.name().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", "");
    }

    private static Row inflict(
            Target target, Fault fault, int streams, int chunks, int interval, Measurements measured) {
        List<StreamClient.Plan> plans = Tokens.ofNewUsers(target, "fault", streams).stream()
                .map(token -> new StreamClient.Plan(
                        token,
                        chunks,
                        interval,
                        StreamClient.Plan.NO_DROP,
                        false,
                        Duration.ofSeconds(90),
                        fault.interruptsAnswers()))
                .toList();
        List<StreamClient> touched;
        long injected;
        List<StreamClient> clients;
        try {
            fault.prepare(target);
            try (var run = StreamRun.start(target.throughGateway(), plans, measured)) {
                awaitChunks(measured, (long) streams * Math.min(20, chunks / 4));
                awaitFirstChunks(measured, streams);
                injected = System.nanoTime();
                touched = fault.inject(target, run.clients());
                run.await(Scenario.runTimeout(chunks, interval).plusMinutes(1));
                clients = run.clients();
            }
        } finally {
            fault.heal(target);
        }
        var affected = new LinkedHashSet<>(touched);
        Stored stored = stored(target, clients, plans);
        clients.stream().filter(client -> client.recoveredAtNanos() > 0).forEach(affected::add);
        long recovered = affected.stream()
                .mapToLong(StreamClient::recoveredAtNanos)
                .max()
                .orElse(injected);
        return new Row(
                fault.name(),
                streams,
                affected.size(),
                (int) affected.stream().filter(StreamClient::exact).count(),
                measured.missing.get(),
                measured.duplicates.get(),
                stored.lost(),
                stored.beyondEnd(),
                Math.max(0, recovered - injected) / 1e6,
                measured.longestStallNanos.get() / 1e6,
                target.unhealthyInstances(),
                measured.failures().size());
    }

    /**
     * What PostgreSQL holds against what the clients got: chunks they received that it lacks, once it has had two
     * minutes to catch up, and chunks of an ended answer past the end its client got (an answer ended twice, by a
     * generation and by a sweeper that took it for dead, would leave those).
     */
    private record Stored(long lost, long beyondEnd) {}

    private static Stored stored(Target target, List<StreamClient> clients, List<StreamClient.Plan> plans) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        long lost;
        long beyondEnd;
        do {
            lost = 0;
            beyondEnd = 0;
            for (int i = 0; i < clients.size(); i++) {
                StreamClient client = clients.get(i);
                if (client.messageId() != null) {
                    int held = target.storedChunks(
                            Objects.requireNonNull(client.messageId()),
                            plans.get(i).token());
                    lost += Math.max(0, client.received() - held);
                    if (client.terminal() != null) {
                        beyondEnd += Math.max(0, held - client.received());
                    }
                }
            }
            if (lost > 0) {
                Pause.sleep(500);
            }
        } while (lost > 0 && System.nanoTime() < deadline);
        return new Stored(lost, beyondEnd);
    }

    /** Waits, up to half a minute, until every answer is under way: one slow to start is not what a fault is about. */
    public static void awaitFirstChunks(Measurements measured, int streams) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (measured.firstChunk.getTotalCount() < streams && System.nanoTime() < deadline) {
            Pause.sleep(50);
        }
    }

    public static void awaitChunks(Measurements measured, long atLeast) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (measured.chunks.get() < atLeast && System.nanoTime() < deadline) {
            Pause.sleep(50);
        }
    }

    static String table(List<Row> rows) {
        var table = new StringBuilder(String.format(
                Locale.ROOT,
                "%-36s %7s %8s %13s %7s %10s %9s %9s %11s %9s %s%n",
                "fault",
                "streams",
                "affected",
                "resumed exact",
                "missing",
                "duplicated",
                "rows lost",
                "past end",
                "recover ms",
                "stall ms",
                "unhealthy after"));
        for (Row row : rows) {
            table.append(String.format(
                    Locale.ROOT,
                    "%-36s %7d %8d %13d %7d %10d %9d %9d %11.0f %9.0f %s%n",
                    row.fault(),
                    row.streams(),
                    row.affected(),
                    row.resumedExact(),
                    row.missing(),
                    row.duplicates(),
                    row.rowsLost(),
                    row.rowsBeyondEnd(),
                    row.recoverMs(),
                    row.longestStallMs(),
                    row.unhealthy().isEmpty() ? "none" : String.join(",", row.unhealthy())));
        }
        return table.toString();
    }
}
