package dev.streamchat.persistence.retention;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.retention.*}.
 *
 * @param chunkRowsAfter chunk rows of an answer that ended longer ago than this are deleted (the answer keeps its
 *     content and chunk boundaries, so it is still served from any index)
 * @param archiveAfter conversations idle longer than this are archived (hidden from the list, still readable)
 * @param batchSize rows per statement, so one run never holds long locks
 */
@ConfigurationProperties("streamchat.retention")
public record RetentionProperties(
        @DefaultValue("7d") Duration chunkRowsAfter,
        @DefaultValue("180d") Duration archiveAfter,
        @DefaultValue("5000") int batchSize) {}
