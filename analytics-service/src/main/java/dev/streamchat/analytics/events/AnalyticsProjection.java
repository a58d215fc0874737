package dev.streamchat.analytics.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Turns events into one {@code message_analytics} row per answer, once each: the event's id goes into
 * {@code processed_events} in the transaction of its effect. Chunk events carry nothing the row needs (the terminal
 * event has the first chunk's time, the count and the tokens), so they are skipped without a write. Prometheus meters
 * follow the same events, tagged by model, status and tier only (never a user or message id).
 */
@Component
public class AnalyticsProjection {

    private static final Set<String> TERMINAL =
            Set.of("STREAM_COMPLETED", "STREAM_FAILED", "STREAM_CANCELLED", "STREAM_INTERRUPTED");

    private final JdbcClient jdbc;
    private final MeterRegistry meters;

    AnalyticsProjection(JdbcClient jdbc, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.meters = meters;
    }

    /**
     * Whether the event changes anything here; the consumers ask before {@link #apply}, so that the many that do not
     * (chunk events) cost no transaction (a connection taken from the pool, a begin and a commit in PostgreSQL each).
     */
    static boolean relevant(AnalyticsEvent event) {
        return event.messageId() != null
                && ("STREAM_STARTED".equals(event.eventType())
                        || TERMINAL.contains(event.eventType())
                        || "RECOVERED".equals(event.eventType()));
    }

    @Transactional
    public void apply(AnalyticsEvent event) {
        if (!relevant(event) || !firstTime(event)) {
            return;
        }
        switch (event.eventType()) {
            case "STREAM_STARTED" -> started(event);
            case "RECOVERED" -> recovered(event);
            default -> ended(event);
        }
    }

    private boolean firstTime(AnalyticsEvent event) {
        return jdbc.sql("insert into processed_events (event_id) values (?) on conflict (event_id) do nothing")
                        .param(event.eventId())
                        .update()
                == 1;
    }

    private void started(AnalyticsEvent event) {
        jdbc.sql("""
                insert into message_analytics (message_id, user_id, model, provider, started_at)
                values (:id, :user, :model, :provider, :at)
                on conflict (message_id) do update
                   set model = excluded.model, provider = excluded.provider, started_at = excluded.started_at,
                       time_to_first_chunk_ms = case when message_analytics.first_chunk_at is null then null
                           else (extract(epoch from message_analytics.first_chunk_at - excluded.started_at) * 1000)::bigint
                           end
                """)
                .param("id", event.messageId())
                .param("user", event.userId())
                .param("model", event.text("model"))
                .param("provider", event.text("provider"))
                .param("at", Timestamp.from(Instant.ofEpochMilli(event.timestamp())))
                .update();
    }

    private void ended(AnalyticsEvent event) {
        String status = event.eventType().substring("STREAM_".length());
        Long firstChunkAt = event.number("firstChunkAt");
        Long duration = event.number("durationMs");
        Long chunks = event.number("totalChunks");
        Long tokens = event.number("tokenCount");
        jdbc.sql("""
                insert into message_analytics
                    (message_id, user_id, status, first_chunk_at, ended_at, duration_ms, chunks, tokens,
                     tokens_per_second, finish_reason, error_code)
                values (:id, :user, :status, :firstChunkAt, :endedAt, :duration, :chunks, :tokens,
                        :tps, :finishReason, :errorCode)
                on conflict (message_id) do update
                   set status = excluded.status, first_chunk_at = excluded.first_chunk_at,
                       ended_at = excluded.ended_at, duration_ms = excluded.duration_ms, chunks = excluded.chunks,
                       tokens = excluded.tokens, tokens_per_second = excluded.tokens_per_second,
                       finish_reason = excluded.finish_reason, error_code = excluded.error_code,
                       time_to_first_chunk_ms = case when excluded.first_chunk_at is null
                                                       or message_analytics.started_at is null then null
                           else (extract(epoch from excluded.first_chunk_at - message_analytics.started_at) * 1000)::bigint
                           end
                """)
                .param("id", event.messageId())
                .param("user", event.userId())
                .param("status", status)
                .param("firstChunkAt", firstChunkAt == null ? null : Timestamp.from(Instant.ofEpochMilli(firstChunkAt)))
                .param("endedAt", Timestamp.from(Instant.ofEpochMilli(event.timestamp())))
                .param("duration", duration)
                .param("chunks", chunks)
                .param("tokens", tokens)
                .param("tps", tokens == null || duration == null || duration <= 0 ? null : tokens * 1000.0 / duration)
                .param("finishReason", event.text("finishReason"))
                .param("errorCode", event.text("code"))
                .update();
        String model = jdbc.sql("select coalesce(model, 'unknown') from message_analytics where message_id = ?")
                .param(event.messageId())
                .query(String.class)
                .single();
        Counter.builder("streamchat.analytics.answers")
                .description("Answers ended, by model and status")
                .tag("model", model)
                .tag("status", status)
                .register(meters)
                .increment();
        Long ttfc = jdbc.sql("select time_to_first_chunk_ms from message_analytics where message_id = ?")
                .param(event.messageId())
                .query(Long.class)
                .optional()
                .orElse(null);
        if (ttfc != null) {
            Timer.builder("streamchat.analytics.time.to.first.chunk")
                    .description("From the start of an answer to its first chunk")
                    .tag("model", model)
                    .publishPercentileHistogram()
                    .register(meters)
                    .record(Duration.ofMillis(ttfc));
        }
        if (tokens != null && duration != null && duration > 0) {
            DistributionSummary.builder("streamchat.analytics.tokens.per.second")
                    .description("Tokens per second of ended answers")
                    .tag("model", model)
                    .register(meters)
                    .record(tokens * 1000.0 / duration);
        }
    }

    private void recovered(AnalyticsEvent event) {
        Long micros = event.number("latencyMicros");
        jdbc.sql("""
                insert into message_analytics (message_id, user_id, recoveries, recovery_micros_total)
                values (:id, :user, 1, :micros)
                on conflict (message_id) do update
                   set recoveries = message_analytics.recoveries + 1,
                       recovery_micros_total = message_analytics.recovery_micros_total + excluded.recovery_micros_total
                """)
                .param("id", event.messageId())
                .param("user", event.userId())
                .param("micros", micros == null ? 0 : micros)
                .update();
        Timer.builder("streamchat.analytics.recoveries")
                .description("Recoveries, by the tier that answered and their status")
                .tag("tier", String.valueOf(event.text("tier")))
                .tag("status", String.valueOf(event.text("status")))
                .register(meters)
                .record(Duration.ofNanos((micros == null ? 0 : micros) * 1000));
    }
}
