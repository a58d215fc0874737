package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Endpoint;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.OneResume;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.client.StreamRun;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.Persistence;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.bench.stack.Tokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Scenario 3: resume latency. S streams through the gateway, each dropping once at a random chunk in the middle
 * half and resuming on the other node while its answer goes on (hot log, under load); then, once the answers are
 * stored, each is resumed once more from a random chunk while the system is quiet: from the hot log, then with the
 * hot log deleted (it expired) from the database, then again (recovery-service's cache of completed answers).
 */
public final class Resume implements Scenario {

    @Override
    public String name() {
        return "resume";
    }

    @Override
    public String description() {
        return "drops at random chunks, resume from hot log and database (--streams 100 --chunks 200 --interval 50"
                + " --warmup 10)";
    }

    @Override
    public Report run(Target target, Options options) {
        int streams = options.integer("streams", 100);
        int chunks = options.integer("chunks", 200);
        int interval = options.integer("interval", 50);
        int quiet = options.integer("quiet-resumes", Math.min(streams, 100));
        long seed = options.integer("seed", 42);
        int warmupRounds = options.integer("warmup", 10);
        var report = new Report(name()).parameters(options.used());
        var random = new Random(seed);
        Endpoint endpoint = target.throughGateway();

        var live = new Measurements();
        List<StreamClient.Plan> plans = Tokens.ofNewUsers(target, "rs", streams).stream()
                .map(token -> new StreamClient.Plan(
                        token,
                        chunks,
                        interval,
                        chunks / 4 + random.nextInt(Math.max(1, chunks / 2)),
                        false,
                        Duration.ofSeconds(60)))
                .toList();
        var clients = StreamRun.run(endpoint, plans, live, Scenario.runTimeout(chunks, interval));
        report.latency("underLoad.resume", live.resume).latency("underLoad.reconnectToChunk", live.reconnectToChunk);
        report.figure("underLoad.resumes", live.resumes.get())
                .figure("underLoad.onAnotherNode", live.resumesOnAnotherNode.get())
                .figure("underLoad.chunksPerSecond", live.chunksPerSecond());
        Scenario.invariant(report, "underLoad.", live);

        var answers = Scenario.answers(clients, plans);
        Persistence.lagMillis(target, answers, live.lastTerminalMicros.get(), Duration.ofMinutes(5));
        var sample = answers.subList(0, Math.min(quiet, answers.size()));
        for (int round = 0; round < warmupRounds; round++) {
            // the resume path's code compiled by the JIT before it is timed: a hundred resumes leave most of it in
            // the interpreter or C1's profiling tier (slower than the C1-only code of ./chat up), which a server
            // that resumes clients all day never runs
            resumeEach(endpoint, sample, random);
        }
        var hotLog = resumeEach(endpoint, sample, random);
        target.deleteRedisKeys(sample.stream()
                .flatMap(answer -> Stream.of("chat:log:" + answer.messageId(), "chat:meta:" + answer.messageId()))
                .toList());
        var database = resumeEach(endpoint, sample, random);
        var cache = resumeEach(endpoint, sample, random);
        tier(report, "quietHotLog.", hotLog);
        tier(report, "quietDatabase.", database);
        tier(report, "quietCache.", cache);
        var failures = new ArrayList<>(live.failures());
        Stream.of(hotLog, database, cache).forEach(measured -> failures.addAll(measured.failures()));
        return report.failures(failures);
    }

    private static void tier(Report report, String prefix, Measurements measured) {
        report.latency(prefix + "resume", measured.resume)
                .latency(prefix + "reconnectToChunk", measured.reconnectToChunk)
                .figure(prefix + "resumes", measured.resumes.get())
                .figure(prefix + "retriedAfterRecoveryError", measured.recoveryRetries.get())
                .figure(prefix + "missing", measured.missing.get())
                .figure(prefix + "duplicates", measured.duplicates.get())
                .figure(prefix + "violations", measured.violations.get());
    }

    /** Resumes each answer once, one after the other, from a random chunk. */
    private static Measurements resumeEach(Endpoint endpoint, List<Persistence.Answer> answers, Random random) {
        var measured = new Measurements();
        for (var answer : answers) {
            try {
                OneResume.resume(
                        endpoint,
                        answer.token(),
                        answer.messageId(),
                        random.nextInt(answer.chunks() - 1),
                        answer.chunks(),
                        measured);
            } catch (RuntimeException e) {
                measured.fail("resume of " + answer.messageId() + ": " + e.getMessage());
            }
        }
        return measured;
    }
}
