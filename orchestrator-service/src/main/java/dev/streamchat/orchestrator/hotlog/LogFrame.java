package dev.streamchat.orchestrator.hotlog;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the hot log and one message of the live channel, the same JSON in both places: a chunk, or the
 * terminal entry of the message ({@code COMPLETE} or {@code ERROR}), which sits at index {@code totalChunks}.
 * session-service reads these (its own copy, held in step by the Pact message contract).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
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

    public static final String CHUNK = "CHUNK";
    public static final String COMPLETE = "COMPLETE";
    public static final String ERROR = "ERROR";

    /** A chunk emitted at {@code emittedAtMicros} (epoch microseconds; {@code timestamp} holds the same in ms). */
    public static LogFrame chunk(String messageId, int index, String content, String chunkType, long emittedAtMicros) {
        return new LogFrame(
                CHUNK,
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

    public static LogFrame complete(
            String messageId,
            int totalChunks,
            String finishReason,
            int tokenCount,
            String contentSha256,
            long timestamp) {
        return new LogFrame(
                COMPLETE,
                messageId,
                totalChunks,
                timestamp,
                null,
                null,
                totalChunks,
                finishReason,
                tokenCount,
                contentSha256,
                null,
                null,
                null,
                null);
    }

    public static LogFrame error(
            String messageId, int totalChunks, String code, String message, boolean retryable, long timestamp) {
        return new LogFrame(
                ERROR,
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

    /** When the chunk was emitted, in epoch microseconds (from {@code timestamp} for an entry written without it). */
    public long emittedAtMicrosOrMillis() {
        return emittedAtMicros != null ? emittedAtMicros : timestamp * 1000;
    }
}
