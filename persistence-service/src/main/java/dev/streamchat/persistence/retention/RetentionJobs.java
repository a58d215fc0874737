package dev.streamchat.persistence.retention;

import java.sql.Timestamp;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The seed design's cleanup and archive jobs. Each run takes a PostgreSQL advisory lock for its transaction, so with
 * several instances only one works at a time and the others skip that run.
 */
@Component
@EnableScheduling
@EnableConfigurationProperties(RetentionProperties.class)
public class RetentionJobs {

    private static final Logger log = LoggerFactory.getLogger(RetentionJobs.class);
    private static final long PRUNE_LOCK = 0x5C_0001L;
    private static final long ARCHIVE_LOCK = 0x5C_0002L;

    private final JdbcClient jdbc;
    private final RetentionProperties properties;

    RetentionJobs(JdbcClient jdbc, RetentionProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /**
     * Deletes the chunk rows of answers that ended before the retention age and whose chunk boundaries are kept;
     * returns how many rows went, or -1 when another instance holds the job.
     */
    @Scheduled(
            fixedDelayString = "${streamchat.retention.interval:1h}",
            initialDelayString = "${streamchat.retention.initial-delay:5m}")
    @Transactional
    public int pruneChunkRows() {
        if (!lock(PRUNE_LOCK)) {
            return -1;
        }
        int deleted = jdbc.sql("""
                delete from stream_chunks c
                 using (select id from messages
                         where completed_at < :before and chunk_ends is not null
                           and cardinality(chunk_ends) = total_chunks
                         limit :batch) old
                 where c.message_id = old.id
                """)
                .param("before", Timestamp.from(Instant.now().minus(properties.chunkRowsAfter())))
                .param("batch", properties.batchSize())
                .update();
        if (deleted > 0) {
            log.info("Pruned {} chunk rows of answers older than {}", deleted, properties.chunkRowsAfter());
        }
        return deleted;
    }

    /** Archives conversations idle past the retention age; -1 when another instance holds the job. */
    @Scheduled(
            fixedDelayString = "${streamchat.retention.interval:1h}",
            initialDelayString = "${streamchat.retention.initial-delay:5m}")
    @Transactional
    public int archiveIdleConversations() {
        if (!lock(ARCHIVE_LOCK)) {
            return -1;
        }
        int archived = jdbc.sql("""
                update conversations set archived_at = now()
                 where id in (select id from conversations
                               where archived_at is null and updated_at < :before limit :batch)
                """)
                .param("before", Timestamp.from(Instant.now().minus(properties.archiveAfter())))
                .param("batch", properties.batchSize())
                .update();
        if (archived > 0) {
            log.info("Archived {} conversations idle for {}", archived, properties.archiveAfter());
        }
        return archived;
    }

    private boolean lock(long key) {
        return Boolean.TRUE.equals(jdbc.sql("select pg_try_advisory_xact_lock(?)")
                .param(key)
                .query(Boolean.class)
                .single());
    }
}
