package dev.streamchat.session.delivery;

import org.jspecify.annotations.Nullable;

/**
 * An entry of the hot log and a message of the live channel, as orchestrator-service writes them (this service's own
 * copy; the Pact message contract keeps the two in step): a chunk, or the terminal entry at index
 * {@code totalChunks}.
 */
public record LogFrame(
        String kind,
        String messageId,
        int index,
        long timestamp,
        @Nullable String content,
        @Nullable String chunkType,
        @Nullable Integer totalChunks,
        @Nullable String finishReason,
        @Nullable Integer tokenCount,
        @Nullable String contentSha256,
        @Nullable String code,
        @Nullable String message,
        @Nullable Boolean retryable,
        @Nullable Long emittedAtMicros) {

    public boolean isChunk() {
        return "CHUNK".equals(kind);
    }

    /** When the chunk was emitted, in epoch microseconds (from {@code timestamp} for an entry written without it). */
    public long emittedAtMicrosOrMillis() {
        return emittedAtMicros != null ? emittedAtMicros : timestamp * 1000;
    }
}
