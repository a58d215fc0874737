package dev.streamchat.persistence.history;

import dev.streamchat.persistence.history.HistoryViews.ChunkView;
import dev.streamchat.persistence.history.HistoryViews.ContextTurn;
import dev.streamchat.persistence.history.HistoryViews.ConversationView;
import dev.streamchat.persistence.history.HistoryViews.MessageView;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads of the history, every one of them scoped to a user. */
@Repository
class HistoryRepository {

    private static final String MESSAGE_COLUMNS = """
            id, conversation_id, role, status, content, model, chunk_count, total_chunks, finish_reason, token_count,
            content_sha256, created_at, completed_at""";

    private final JdbcClient jdbc;

    HistoryRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<ConversationView> conversations(String userId, int page, int size) {
        return jdbc.sql("""
                select id, title, created_at, updated_at from conversations
                 where user_id = ? and archived_at is null
                 order by updated_at desc, id limit ? offset ?
                """)
                .params(userId, size, (long) page * size)
                .query((rows, n) ->
                        new ConversationView(rows.getString(1), rows.getString(2), instant(rows, 3), instant(rows, 4)))
                .list();
    }

    long conversationCount(String userId) {
        return jdbc.sql("select count(*) from conversations where user_id = ? and archived_at is null")
                .param(userId)
                .query(Long.class)
                .single();
    }

    boolean ownsConversation(String userId, String conversationId) {
        return jdbc.sql("select count(*) from conversations where id = ? and user_id = ?")
                        .params(conversationId, userId)
                        .query(Long.class)
                        .single()
                > 0;
    }

    List<MessageView> messages(String userId, String conversationId, int page, int size) {
        return jdbc.sql("select " + MESSAGE_COLUMNS
                        + " from messages where conversation_id = ? and user_id = ?"
                        + " order by created_at, (role = 'assistant'), id limit ?"
                        + " offset ?")
                .params(conversationId, userId, size, (long) page * size)
                .query((rows, n) -> message(rows))
                .list();
    }

    long messageCount(String userId, String conversationId) {
        return jdbc.sql("select count(*) from messages where conversation_id = ? and user_id = ?")
                .params(conversationId, userId)
                .query(Long.class)
                .single();
    }

    Optional<StoredMessage> message(String userId, String messageId) {
        return jdbc.sql("""
                select id, conversation_id, status, content, chunk_ends, total_chunks, finish_reason, token_count,
                       content_sha256, error_code, completed_at
                  from messages where id = ? and user_id = ? and role = 'assistant'
                """)
                .params(messageId, userId)
                .query((rows, n) -> new StoredMessage(
                        rows.getString(1),
                        rows.getString(2),
                        rows.getString(3),
                        rows.getString(4),
                        ints(rows.getArray(5)),
                        (Integer) rows.getObject(6),
                        rows.getString(7),
                        (Integer) rows.getObject(8),
                        rows.getString(9),
                        rows.getString(10),
                        rows.getTimestamp(11) == null ? null : instant(rows, 11)))
                .optional();
    }

    List<ChunkView> chunks(String messageId, int fromIndex) {
        return jdbc.sql("""
                select chunk_index, content, chunk_type, emitted_at from stream_chunks
                 where message_id = ? and chunk_index >= ? order by chunk_index
                """)
                .params(messageId, fromIndex)
                .query((rows, n) ->
                        new ChunkView(rows.getInt(1), rows.getString(2), rows.getString(3), instant(rows, 4)))
                .list();
    }

    List<MessageView> search(String userId, String query, int page, int size) {
        return jdbc.sql("select " + MESSAGE_COLUMNS
                        + " from messages where user_id = ? and content_tsv @@ plainto_tsquery('simple', ?)"
                        + " order by created_at desc, id limit ? offset ?")
                .params(userId, query, size, (long) page * size)
                .query((rows, n) -> message(rows))
                .list();
    }

    /** The last turns of a conversation, oldest first, finished messages only. */
    List<ContextTurn> context(String userId, String conversationId, int turns) {
        return jdbc.sql("""
                select role, content from (
                    select role, content, created_at, id from messages
                     where conversation_id = ? and user_id = ? and status = 'COMPLETED' and content <> ''
                     order by created_at desc, (role = 'assistant') desc, id desc limit ?) recent
                 order by created_at, (role = 'assistant'), id
                """)
                .params(conversationId, userId, turns)
                .query((rows, n) -> new ContextTurn(rows.getString(1), rows.getString(2)))
                .list();
    }

    private static MessageView message(ResultSet rows) throws SQLException {
        return new MessageView(
                rows.getString(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                rows.getString(5),
                rows.getString(6),
                rows.getInt(7),
                (Integer) rows.getObject(8),
                rows.getString(9),
                (Integer) rows.getObject(10),
                rows.getString(11),
                instant(rows, 12),
                rows.getTimestamp(13) == null ? null : instant(rows, 13));
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        return rows.getTimestamp(column).toInstant();
    }

    private static int @Nullable [] ints(@Nullable Array array) throws SQLException {
        if (array == null) {
            return null;
        }
        Integer[] values = (Integer[]) array.getArray();
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = values[i];
        }
        return ints;
    }

    /** An assistant message as stored. */
    record StoredMessage(
            String id,
            String conversationId,
            String status,
            String content,
            int @Nullable [] chunkEnds,
            @Nullable Integer totalChunks,
            @Nullable String finishReason,
            @Nullable Integer tokenCount,
            @Nullable String contentSha256,
            @Nullable String errorCode,
            @Nullable Instant completedAt) {}
}
