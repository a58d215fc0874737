package dev.streamchat.orchestrator.generation;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code stream_sessions} table: one row per generation. */
@Repository
class StreamSessionRepository {

    private final JdbcClient jdbc;

    StreamSessionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Records a new generation; false when its message or its (user, request) pair is known already. */
    boolean insertIfAbsent(ChatCommand command, String nodeId, String provider, @Nullable String model) {
        return jdbc.sql("""
                        insert into stream_sessions
                            (message_id, request_id, user_id, conversation_id, session_id, node_id, provider, model, status)
                        values (:messageId, :requestId, :userId, :conversationId, :sessionId, :nodeId, :provider, :model,
                                'STREAMING')
                        on conflict do nothing
                        """)
                        .param("messageId", command.messageId())
                        .param("requestId", command.requestId())
                        .param("userId", command.userId())
                        .param("conversationId", command.conversationId())
                        .param("sessionId", command.sessionId())
                        .param("nodeId", nodeId)
                        .param("provider", provider)
                        .param("model", model)
                        .update()
                == 1;
    }

    /** The message a user's request was recorded for, if it was. */
    Optional<String> messageOf(String userId, String requestId) {
        return jdbc.sql("select message_id from stream_sessions where user_id = ? and request_id = ?")
                .param(userId)
                .param(requestId)
                .query(String.class)
                .optional();
    }

    void finish(
            String messageId,
            GenerationStatus status,
            int chunkCount,
            @Nullable Integer tokenCount,
            @Nullable String finishReason,
            @Nullable String errorCode,
            @Nullable String contentSha256,
            @Nullable Instant firstChunkAt) {
        jdbc.sql("""
                update stream_sessions
                   set status = :status, chunk_count = :chunkCount, token_count = :tokenCount,
                       finish_reason = :finishReason, error_code = :errorCode, content_sha256 = :contentSha256,
                       first_chunk_at = :firstChunkAt, finished_at = now()
                 where message_id = :messageId and status = 'STREAMING'
                """)
                .param("messageId", messageId)
                .param("status", status.name())
                .param("chunkCount", chunkCount)
                .param("tokenCount", tokenCount)
                .param("finishReason", finishReason)
                .param("errorCode", errorCode)
                .param("contentSha256", contentSha256)
                .param("firstChunkAt", firstChunkAt == null ? null : Timestamp.from(firstChunkAt))
                .update();
    }

    /** A generation as stored, for tests and operators. */
    record StoredGeneration(
            String messageId,
            String status,
            int chunkCount,
            @Nullable String errorCode,
            String userId,
            String conversationId,
            String requestId,
            @Nullable String sessionId,
            @Nullable String provider,
            @Nullable String model) {}

    java.util.Optional<StoredGeneration> find(String messageId) {
        return jdbc.sql("""
                        select message_id, status, chunk_count, error_code, user_id, conversation_id, request_id,
                               session_id, provider, model
                          from stream_sessions where message_id = ?""").param(messageId).query(StoredGeneration.class).optional();
    }
}
