package dev.streamchat.analytics.stats;

import dev.streamchat.analytics.stats.StatsViews.Group;
import dev.streamchat.analytics.stats.StatsViews.Hour;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads the figures, straight from {@code message_analytics} (exact percentiles) or from the hourly rollups. */
@Repository
class StatsRepository {

    private static final String FIGURES = """
            count(*) as answers,
            count(*) filter (where status not in ('COMPLETED', 'CANCELLED')) as errors,
            percentile_cont(0.50) within group (order by time_to_first_chunk_ms) as ttfc_p50,
            percentile_cont(0.95) within group (order by time_to_first_chunk_ms) as ttfc_p95,
            percentile_cont(0.99) within group (order by time_to_first_chunk_ms) as ttfc_p99,
            percentile_cont(0.50) within group (order by duration_ms) as duration_p50,
            percentile_cont(0.95) within group (order by duration_ms) as duration_p95,
            percentile_cont(0.99) within group (order by duration_ms) as duration_p99,
            avg(tokens_per_second) as tps,
            coalesce(sum(recoveries), 0) as recoveries,
            sum(recovery_micros_total) / nullif(sum(recoveries), 0) / 1000.0 as recovery_ms
            """;

    private final JdbcClient jdbc;

    StatsRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Per model (or per user), over ended answers in the range, of one user or (null) everyone. */
    List<Group> groups(String column, Instant from, Instant to, @Nullable String userId) {
        return jdbc.sql("select coalesce(" + column + ", 'unknown') as key, " + FIGURES
                        + " from message_analytics where ended_at >= :from and ended_at < :to"
                        + (userId == null ? "" : " and user_id = :user")
                        + " group by 1 order by 2 desc, 1")
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .param("user", userId)
                .query((rows, n) -> group(rows))
                .list();
    }

    List<Hour> hours(String dimension, Instant from, Instant to, @Nullable String key) {
        return jdbc.sql("select hour, dimension, dimension_key, answers, errors, error_rate, ttfc_p50_ms, ttfc_p95_ms,"
                        + " ttfc_p99_ms, tokens_per_second, recoveries from stream_stats_hourly"
                        + " where dimension = :dimension and hour >= :from and hour < :to"
                        + (key == null ? "" : " and dimension_key = :key")
                        + " order by hour, dimension_key")
                .param("dimension", dimension)
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .param("key", key)
                .query((rows, n) -> new Hour(
                        rows.getTimestamp(1).toInstant(),
                        rows.getString(2),
                        rows.getString(3),
                        rows.getInt(4),
                        rows.getInt(5),
                        rows.getDouble(6),
                        nullable(rows, 7),
                        nullable(rows, 8),
                        nullable(rows, 9),
                        nullable(rows, 10),
                        rows.getInt(11)))
                .list();
    }

    /** Recomputes the rollups of every hour from {@code since} on, per model and per user. */
    int rollUp(Instant since) {
        int rows = 0;
        for (String dimension : List.of("model", "user")) {
            String column = dimension.equals("model") ? "model" : "user_id";
            rows += jdbc.sql("insert into stream_stats_hourly (hour, dimension, dimension_key, answers, errors,"
                            + " error_rate, ttfc_p50_ms, ttfc_p95_ms, ttfc_p99_ms, duration_p50_ms, duration_p95_ms,"
                            + " duration_p99_ms, tokens_per_second, recoveries)"
                            + " select date_trunc('hour', ended_at), '" + dimension + "', key, answers, errors,"
                            + " errors::double precision / answers, ttfc_p50, ttfc_p95, ttfc_p99, duration_p50,"
                            + " duration_p95, duration_p99, tps, recoveries from ("
                            + " select date_trunc('hour', ended_at) as ended_at, coalesce(" + column + ", 'unknown')"
                            + " as key, " + FIGURES + " from message_analytics"
                            + " where ended_at >= date_trunc('hour', cast(:since as timestamptz)) group by 1, 2) f"
                            + " on conflict (hour, dimension, dimension_key) do update set answers = excluded.answers,"
                            + " errors = excluded.errors, error_rate = excluded.error_rate,"
                            + " ttfc_p50_ms = excluded.ttfc_p50_ms, ttfc_p95_ms = excluded.ttfc_p95_ms,"
                            + " ttfc_p99_ms = excluded.ttfc_p99_ms, duration_p50_ms = excluded.duration_p50_ms,"
                            + " duration_p95_ms = excluded.duration_p95_ms, duration_p99_ms = excluded.duration_p99_ms,"
                            + " tokens_per_second = excluded.tokens_per_second, recoveries = excluded.recoveries")
                    .param("since", Timestamp.from(since))
                    .update();
        }
        return rows;
    }

    private static Group group(ResultSet rows) throws SQLException {
        long answers = rows.getLong("answers");
        long errors = rows.getLong("errors");
        return new Group(
                rows.getString("key"),
                answers,
                errors,
                answers == 0 ? 0 : (double) errors / answers,
                nullable(rows, "ttfc_p50"),
                nullable(rows, "ttfc_p95"),
                nullable(rows, "ttfc_p99"),
                nullable(rows, "duration_p50"),
                nullable(rows, "duration_p95"),
                nullable(rows, "duration_p99"),
                nullable(rows, "tps"),
                rows.getLong("recoveries"),
                nullable(rows, "recovery_ms"));
    }

    private static @Nullable Double nullable(ResultSet rows, String column) throws SQLException {
        double value = rows.getDouble(column);
        return rows.wasNull() ? null : value;
    }

    private static @Nullable Double nullable(ResultSet rows, int column) throws SQLException {
        double value = rows.getDouble(column);
        return rows.wasNull() ? null : value;
    }
}
