package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Endpoint;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.Pause;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.CpuTimes;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import dev.streamchat.launcher.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A steady load for M minutes, figures per minute: does the system hold its figures for as long as the load lasts?
 * S clients each ask for one answer of N chunks at a cadence after another through the gateway, each dropping once at a
 * random chunk in the middle half and resuming. The default, 16 streams at 20 ms (800 chunks/s), is about half of what
 * this two-core machine carries at that cadence: 20 streams at 10 ms kept both cores busy (a chunk at a time costs
 * about 1.2 ms of CPU over the stack, where the full-speed throughput run batches them for 0.55 ms). Each minute reports chunks/s, live and
 * resume latency, CPU per chunk, every consumer group's lag (in records, and in seconds at the minute's rate; the
 * session nodes' own measures of the durable path's lag and of how late they write live chunks, their most over the
 * minute), every service's long-lived heap after its last collection (% of its pool) and collection time, the most
 * database connections in use and requests waiting for one in each pool, and Redis' memory. An answer counts in the minute it started in. With
 * {@code --freeze-durable-at S} persistence-service is frozen (SIGSTOP) S seconds into the run for
 * {@code --freeze-seconds}: the durable path falls behind as under a load it cannot carry, and the run shows new
 * answers refused with CAPACITY (how fast, how many) until it has caught up, while every answer accepted ends whole.
 */
public final class Soak implements Scenario {

    @Override
    public String name() {
        return "soak";
    }

    @Override
    public String description() {
        return "a steady load for M minutes, figures per minute (--minutes 30 --streams 16 --chunks 500 --interval 20;"
                + " --freeze-durable-at S --freeze-seconds 30: persistence-service frozen S seconds in)";
    }

    @Override
    public Report run(Target target, Options options) {
        int minutes = options.integer("minutes", 30);
        // a smoke run's length; a soak is minutes long
        int seconds = options.integer("seconds", minutes * 60);
        int streams = options.integer("streams", 16);
        int chunks = options.integer("chunks", 500);
        int interval = options.integer("interval", 20);
        int stepLength = options.integer("step-seconds", 60);
        long seed = options.integer("seed", 42);
        // above capacity: persistence-service frozen this many seconds into the run (0: never), for freeze-seconds;
        // the durable path falls behind, and new answers must be refused until it has caught up
        int freezeAt = options.integer("freeze-durable-at", 0);
        int freezeSeconds = options.integer("freeze-seconds", 30);
        var report = new Report(name()).parameters(options.used());
        Endpoint endpoint = target.throughGateway();
        List<String> tokens = Tokens.ofNewUsers(target, "soak", streams);
        var current = new AtomicReference<>(new Measurements());
        var steps = new ArrayList<Measurements>();
        steps.add(current.get());
        var errors = new ConcurrentLinkedQueue<String>();
        // its first readings take seconds (every service scraped, every group's offsets): before the clock starts
        var sampler = new Sampler(target);
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        var rows = new ArrayList<Map<String, Object>>();
        var stepSeconds = new ArrayList<Double>();
        try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < streams; i++) {
                String token = tokens.get(i);
                var random = new Random(seed + i);
                clients.submit(() -> {
                    while (System.nanoTime() < end) {
                        var plan = new StreamClient.Plan(
                                token,
                                chunks,
                                interval,
                                chunks / 4 + random.nextInt(Math.max(1, chunks / 2)),
                                true,
                                Duration.ofSeconds(60));
                        try {
                            new StreamClient(endpoint, plan, current.get()).run();
                        } catch (RuntimeException e) {
                            errors.add(e.toString());
                        }
                    }
                });
            }
            if (freezeAt > 0) {
                clients.submit(() -> {
                    Pause.sleep(freezeAt * 1000L);
                    System.out.printf("soak: persistence-service frozen for %d s%n", freezeSeconds);
                    target.stack().service("persistence-service").freeze(Duration.ofSeconds(freezeSeconds));
                    System.out.println("soak: persistence-service goes on");
                });
            }
            // the durable path's lag and the pools every 2 s, on a thread of its own: a step's scrapes of a frozen
            // service wait
            clients.submit(() -> {
                while (System.nanoTime() < end) {
                    sampler.often();
                    Pause.sleep(2_000);
                }
            });
            int step = 0;
            // steps follow each other without a gap: a step's readings are taken while the next one runs
            long stepStarted = end - Duration.ofSeconds(seconds).toNanos();
            while (true) {
                long stepEnd = Math.min(
                        end, stepStarted + Duration.ofSeconds(stepLength).toNanos());
                while (System.nanoTime() < stepEnd) {
                    Pause.sleep(Math.max(1, (stepEnd - System.nanoTime() + 999_999) / 1_000_000));
                }
                Measurements finished = current.get();
                long swapped = System.nanoTime();
                if (swapped < end) {
                    current.set(new Measurements());
                    steps.add(current.get());
                }
                stepSeconds.add((swapped - stepStarted) / 1e9);
                stepStarted = swapped;
                rows.add(sampler.step(++step, finished.chunks.get()));
                System.out.printf(
                        "soak: step %d of %d, %s%n", step, (seconds + stepLength - 1) / stepLength, rows.getLast());
                if (swapped >= end) {
                    break;
                }
            }
        }
        // the answers of every step have ended: their latencies are whole now
        var failures = new ArrayList<String>(errors);
        var whole = new Measurements();
        for (int i = 0; i < rows.size(); i++) {
            Measurements measured = steps.get(i);
            var row = rows.get(i);
            row.put("seconds", stepSeconds.get(i));
            row.put("chunksPerSecond", measured.chunks.get() / stepSeconds.get(i));
            row.put("liveP50Ms", ms(measured.chunkLatency.getValueAtPercentile(50)));
            row.put("liveP99Ms", ms(measured.chunkLatency.getValueAtPercentile(99)));
            row.put("resumeP50Ms", ms(measured.resume.getValueAtPercentile(50)));
            row.put("resumeP99Ms", ms(measured.resume.getValueAtPercentile(99)));
            row.put("answers", measured.streams.get());
            row.put("exact", measured.exactStreams.get());
            row.put("requestsRefused", measured.requestRetries.get());
            failures.addAll(measured.failures());
            add(whole, measured);
        }
        report.figure("perMinute", rows);
        report.latency("chunkLatency", whole.chunkLatency)
                .latency("firstChunk", whole.firstChunk)
                .latency("resume", whole.resume)
                .latency("refusal", whole.refusal);
        Scenario.invariant(report, "", whole);
        targets(report, rows);
        report.timeline("chunks per second", series(rows, "chunksPerSecond"))
                .timeline(
                        "live latency, ms", Map.of("p50", column(rows, "liveP50Ms"), "p99", column(rows, "liveP99Ms")))
                .timeline("durable path lag (most in the minute), s", series(rows, "durableLagMaxS"))
                .timeline("live path delay at the session nodes (most in the minute), s", series(rows, "liveDelayMaxS"))
                .timeline("requests refused and asked again", series(rows, "requestsRefused"))
                .timeline("database connections in use (most in the minute)", nested(rows, "dbConnectionsActiveMax"))
                .timeline(
                        "requests waiting for a database connection (most in the minute)",
                        nested(rows, "dbConnectionsPendingMax"))
                .timeline("long-lived heap used after the last collection, %", nested(rows, "oldGenAfterGcPercent"))
                .timeline("consumer lag at the minute's end, s", nested(rows, "groupLagS"));
        return report.failures(failures);
    }

    /** The targets: the last 5 minutes against the first 5, and the worst lag. */
    private static void targets(Report report, List<Map<String, Object>> rows) {
        int window = Math.min(5, rows.size() / 2);
        if (window == 0) {
            return;
        }
        double first = mean(rows.subList(0, window), "liveP99Ms");
        double last = mean(rows.subList(rows.size() - window, rows.size()), "liveP99Ms");
        report.figure("firstMinutesLiveP99Ms", first)
                .figure("lastMinutesLiveP99Ms", last)
                .figure("lastVsFirst.liveP99", first == 0 ? 0 : last / first)
                .figure(
                        "lastVsFirst.chunksPerSecond",
                        mean(rows.subList(0, window), "chunksPerSecond") == 0
                                ? 0
                                : mean(rows.subList(rows.size() - window, rows.size()), "chunksPerSecond")
                                        / mean(rows.subList(0, window), "chunksPerSecond"))
                .figure(
                        "durableLagMaxS",
                        rows.stream()
                                .mapToDouble(row -> (double) row.get("durableLagMaxS"))
                                .max()
                                .orElse(0));
    }

    /** The services with a database pool. */
    private static final Set<String> DATABASE_MODULES =
            Set.of("orchestrator-service", "persistence-service", "analytics-service", "recovery-service");

    /** What the stack is doing, sampled: the durable path's lag and the pools every few seconds, the rest once a step. */
    private static final class Sampler {

        private final Target target;
        private final List<ServiceInstance> instances;
        private final List<ServiceInstance> sessionNodes;
        private Map<String, Duration> cpu;
        private Map<String, Double> gcSeconds;
        private Map<String, Target.GroupOffsets> groups;
        private long sampledAt = System.nanoTime();
        private final List<ServiceInstance> withDatabase;
        private double durableLagMax;
        private double liveDelayMax;
        /** The most database connections in use, and requests waiting for one, per instance over the step. */
        private final Map<String, Double> connectionsActiveMax = new LinkedHashMap<>();

        private final Map<String, Double> connectionsPendingMax = new LinkedHashMap<>();

        Sampler(Target target) {
            this.target = target;
            this.instances = target.settings().services();
            this.sessionNodes = target.instancesOf("session-service");
            this.withDatabase = instances.stream()
                    .filter(instance -> DATABASE_MODULES.contains(instance.module()))
                    .toList();
            this.cpu = CpuTimes.snapshot(target);
            this.gcSeconds = gcSeconds();
            this.groups = target.consumerGroups();
        }

        /**
         * What moves within a step: the session nodes' own measures (the durable path's lag, how late they write live
         * chunks) and the database pools (connections in use, requests waiting for one).
         */
        void often() {
            double most = 0;
            double latest = 0;
            for (ServiceInstance node : sessionNodes) {
                var metrics = target.metrics(
                        node.instanceId(), List.of("streamchat_durable_lag_seconds", "streamchat_live_delay_seconds"));
                // missing: the scrape failed; NaN: the node could not measure it
                double lag = metrics.getOrDefault("streamchat_durable_lag_seconds", Double.NaN);
                if (lag >= 0) {
                    most = Math.max(most, lag);
                }
                double delay = metrics.getOrDefault("streamchat_live_delay_seconds", Double.NaN);
                if (delay >= 0) {
                    latest = Math.max(latest, delay);
                }
            }
            var pools = new LinkedHashMap<String, Map<String, Double>>();
            for (ServiceInstance instance : withDatabase) {
                pools.put(
                        instance.instanceId(),
                        target.metrics(
                                instance.instanceId(),
                                List.of("hikaricp_connections_active", "hikaricp_connections_pending")));
            }
            synchronized (this) {
                durableLagMax = Math.max(durableLagMax, most);
                liveDelayMax = Math.max(liveDelayMax, latest);
                pools.forEach((id, metrics) -> {
                    connectionsActiveMax.merge(id, metrics.getOrDefault("hikaricp_connections_active", 0.0), Math::max);
                    connectionsPendingMax.merge(
                            id, metrics.getOrDefault("hikaricp_connections_pending", 0.0), Math::max);
                });
            }
        }

        Map<String, Object> step(int step, long chunks) {
            var row = new LinkedHashMap<String, Object>();
            row.put("minute", step);
            var cpuNow = CpuTimes.snapshot(target);
            row.put(
                    "cpuMicrosPerChunk",
                    CpuTimes.perUnitMicros(cpu, cpuNow, chunks).get("total"));
            cpu = cpuNow;
            synchronized (this) {
                row.put("durableLagMaxS", durableLagMax);
                row.put("liveDelayMaxS", liveDelayMax);
                row.put("dbConnectionsActiveMax", new LinkedHashMap<>(connectionsActiveMax));
                row.put("dbConnectionsPendingMax", new LinkedHashMap<>(connectionsPendingMax));
                durableLagMax = 0;
                liveDelayMax = 0;
                connectionsActiveMax.clear();
                connectionsPendingMax.clear();
            }
            long now = System.nanoTime();
            double seconds = (now - sampledAt) / 1e9;
            sampledAt = now;
            var groupsNow = target.consumerGroups();
            var records = new LinkedHashMap<String, Object>();
            var lagSeconds = new LinkedHashMap<String, Object>();
            groupsNow.forEach((group, offsets) -> {
                records.put(group, offsets.lag());
                var before = groups.get(group);
                double rate = before == null ? 0 : (offsets.ends() - before.ends()) / seconds;
                lagSeconds.put(group, offsets.lag() == 0 ? 0.0 : rate <= 0 ? Double.NaN : offsets.lag() / rate);
            });
            groups = groupsNow;
            row.put("groupLagRecords", records);
            row.put("groupLagS", lagSeconds);
            var heap = new LinkedHashMap<String, Object>();
            var gcMs = new LinkedHashMap<String, Object>();
            var gcNow = gcSeconds();
            for (ServiceInstance instance : instances) {
                String id = instance.instanceId();
                // the long-lived pool's use after the last collection, whatever the collector (the live data size is
                // known only after a full collection, which a large heap may not need for the whole run)
                double used = target.metric(id, "jvm_memory_usage_after_gc", "pool=\"long-lived\"");
                heap.put(id, used < 0 ? Double.NaN : 100 * used);
                gcMs.put(id, (gcNow.getOrDefault(id, 0.0) - gcSeconds.getOrDefault(id, 0.0)) * 1000);
            }
            gcSeconds = gcNow;
            row.put("oldGenAfterGcPercent", heap);
            row.put("gcMs", gcMs);
            row.put("redisMb", target.redisUsedMemory() / 1e6);
            return row;
        }

        private Map<String, Double> gcSeconds() {
            var seconds = new LinkedHashMap<String, Double>();
            for (ServiceInstance instance : instances) {
                seconds.put(
                        instance.instanceId(), target.metric(instance.instanceId(), "jvm_gc_pause_seconds_sum", ""));
            }
            return seconds;
        }
    }

    private static void add(Measurements into, Measurements step) {
        into.chunkLatency.add(step.chunkLatency);
        into.firstChunk.add(step.firstChunk);
        into.resume.add(step.resume);
        into.refusal.add(step.refusal);
        into.streams.addAndGet(step.streams.get());
        into.exactStreams.addAndGet(step.exactStreams.get());
        into.missing.addAndGet(step.missing.get());
        into.duplicates.addAndGet(step.duplicates.get());
        into.violations.addAndGet(step.violations.get());
        into.requestRetries.addAndGet(step.requestRetries.get());
    }

    private static Map<String, List<Double>> series(List<Map<String, Object>> rows, String key) {
        return Map.of(key, column(rows, key));
    }

    private static List<Double> column(List<Map<String, Object>> rows, String key) {
        return rows.stream().map(row -> ((Number) row.get(key)).doubleValue()).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<Double>> nested(List<Map<String, Object>> rows, String key) {
        var lines = new LinkedHashMap<String, List<Double>>();
        for (var row : rows) {
            ((Map<String, Object>) row.get(key)).keySet().forEach(name -> lines.putIfAbsent(name, new ArrayList<>()));
        }
        lines.forEach((name, values) -> rows.forEach(row -> {
            Object value = ((Map<String, Object>) row.get(key)).get(name);
            values.add(value instanceof Number number ? number.doubleValue() : Double.NaN);
        }));
        return lines;
    }

    private static double mean(List<Map<String, Object>> rows, String key) {
        return rows.stream()
                .mapToDouble(row -> ((Number) row.get(key)).doubleValue())
                .average()
                .orElse(0);
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }
}
