package dev.streamchat.bench.scenario;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.client.Measurements;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.stack.Persistence;
import dev.streamchat.bench.stack.Target;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** One benchmark: drives the target with the options given and reports what it measured. */
public interface Scenario {

    String name();

    /** One line for the usage text. */
    String description();

    Report run(Target target, Options options);

    /** The invariant figures of a run of streams, under {@code prefix}. */
    static void invariant(Report report, String prefix, Measurements measured) {
        report.figure(prefix + "streams", measured.streams.get())
                .figure(prefix + "exactStreams", measured.exactStreams.get())
                .figure(prefix + "missing", measured.missing.get())
                .figure(prefix + "duplicates", measured.duplicates.get())
                .figure(prefix + "violations", measured.violations.get())
                .figure(prefix + "requestsRetried", measured.requestRetries.get());
    }

    /** The answers of finished clients, for {@link Persistence#lagMillis}. */
    static List<Persistence.Answer> answers(List<StreamClient> clients, List<StreamClient.Plan> plans) {
        return java.util.stream.IntStream.range(0, clients.size())
                .filter(i -> clients.get(i).messageId() != null)
                .mapToObj(i -> new Persistence.Answer(
                        Objects.requireNonNull(clients.get(i).messageId()),
                        plans.get(i).token(),
                        plans.get(i).chunks()))
                .toList();
    }

    /** How long a whole run may take: generous, a stalled run fails instead of hanging. */
    static Duration runTimeout(int chunks, int intervalMs) {
        return Duration.ofSeconds(120).plusMillis((long) chunks * Math.max(intervalMs, 1) * 3);
    }
}
