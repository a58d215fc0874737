package dev.streamchat.recovery.resume;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * One entry of an answer, in the shape of orchestrator-service's hot log (this service's own copy; the Pact contracts
 * keep them in step): a chunk, or the terminal entry ({@code COMPLETE} or {@code ERROR}) at index
 * {@code totalChunks}. What a tier returns, whichever tier it is, so that session-service sends it through the same
 * cursor as the live chunks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Frame(
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

    /** A chunk emitted at {@code emittedAtMicros} (epoch microseconds; {@code timestamp} holds the same in ms). */
    public static Frame chunk(String messageId, int index, long emittedAtMicros, String content, String chunkType) {
        return new Frame(
                "CHUNK",
                messageId,
                index,
                emittedAtMicros / 1000,
                content,
                chunkType,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                emittedAtMicros);
    }

    public static Frame complete(
            String messageId,
            int totalChunks,
            long timestamp,
            String finishReason,
            int tokenCount,
            @Nullable String sha256) {
        return new Frame(
                "COMPLETE",
                messageId,
                totalChunks,
                timestamp,
                null,
                null,
                totalChunks,
                finishReason,
                tokenCount,
                sha256,
                null,
                null,
                null,
                null);
    }

    public static Frame error(
            String messageId, int totalChunks, long timestamp, String code, String message, boolean retryable) {
        return new Frame(
                "ERROR",
                messageId,
                totalChunks,
                timestamp,
                null,
                null,
                totalChunks,
                null,
                null,
                null,
                code,
                message,
                retryable,
                null);
    }

    public boolean isChunk() {
        return "CHUNK".equals(kind);
    }
}
