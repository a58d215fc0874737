package dev.streamchat.persistence.history;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The records of the history API. */
public final class HistoryViews {

    private HistoryViews() {}

    /** One page of a list, newest first for conversations, oldest first for messages. */
    public record Page<T>(List<T> items, int page, int size, long total) {}

    public record ConversationView(String id, String title, Instant createdAt, Instant updatedAt) {}

    public record MessageView(
            String id,
            String conversationId,
            String role,
            String status,
            String content,
            @Nullable String model,
            int chunkCount,
            @Nullable Integer totalChunks,
            @Nullable String finishReason,
            @Nullable Integer tokenCount,
            @Nullable String contentSha256,
            Instant createdAt,
            @Nullable Instant completedAt) {}

    /**
     * A message with its chunks from {@code fromIndex} on: what recovery falls back to. {@code complete} is true only
     * when the message has ended and every one of its chunks is here (from chunk rows, or from the content and chunk
     * boundaries kept once the rows are pruned).
     */
    public record MessageChunks(
            String id,
            String conversationId,
            String status,
            int fromIndex,
            List<ChunkView> chunks,
            @Nullable Integer totalChunks,
            @Nullable String finishReason,
            @Nullable Integer tokenCount,
            @Nullable String contentSha256,
            @Nullable String errorCode,
            boolean complete) {}

    public record ChunkView(int index, String content, String chunkType, Instant emittedAt) {}

    /** A turn of a conversation, for the model's context. */
    public record ContextTurn(String role, String content) {}
}
