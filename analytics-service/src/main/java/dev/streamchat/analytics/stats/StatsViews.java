package dev.streamchat.analytics.stats;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The records of the analytics API. */
public final class StatsViews {

    private StatsViews() {}

    /**
     * Ended answers in {@code [from, to)}: per model, and per user (only the caller, unless the caller is an admin:
     * {@code scope} says which).
     */
    public record Summary(Instant from, Instant to, String scope, List<Group> models, List<Group> users) {}

    /** The figures of one model or one user. Latencies in milliseconds; null when no answer had one. */
    public record Group(
            String key,
            long answers,
            long errors,
            double errorRate,
            @Nullable Double ttfcP50Ms,
            @Nullable Double ttfcP95Ms,
            @Nullable Double ttfcP99Ms,
            @Nullable Double durationP50Ms,
            @Nullable Double durationP95Ms,
            @Nullable Double durationP99Ms,
            @Nullable Double tokensPerSecond,
            long recoveries,
            @Nullable Double recoveryLatencyMs) {}

    /** One hour of one model or user, from {@code stream_stats_hourly}. */
    public record Hour(
            Instant hour,
            String dimension,
            String key,
            int answers,
            int errors,
            double errorRate,
            @Nullable Double ttfcP50Ms,
            @Nullable Double ttfcP95Ms,
            @Nullable Double ttfcP99Ms,
            @Nullable Double tokensPerSecond,
            int recoveries) {}
}
