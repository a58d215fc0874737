package dev.streamchat.persistence.events;

import java.sql.Timestamp;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Applies one event to the read model, once: the event's id goes into {@code event_store} in the same transaction as
 * its effect, so a redelivered or replayed event finds it there and changes nothing; chunks are keyed by
 * {@code (message_id, chunk_index)}. The topics are read in no fixed order relative to each other, so every effect is
 * order-independent (earliest creation time, first non-null model), and a replay ends in the same rows. An event that would write into another user's conversation or message is
 * refused (its transaction rolls back and the binder sends it to the dead-letter topic).
 */
@Component
class EventProjection {

    private static final Logger log = LoggerFactory.getLogger(EventProjection.class);
    private static final int TITLE_LENGTH = 80;

    static final String CONVERSATION_DELETED = "CONVERSATION_DELETED";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    EventProjection(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional
    public void apply(ChatEvent event) {
        if (!record(event)) {
            log.debug("Event {} applied before; skipped", event.eventId());
            return;
        }
        if (CONVERSATION_DELETED.equals(event.eventType())) {
            deleteConversation(event);
            return;
        }
        if (event.conversationId() != null && deleted(event.conversationId())) {
            log.debug(
                    "Event {} belongs to deleted conversation {}; recorded, not applied",
                    event.eventId(),
                    event.conversationId());
            return;
        }
        switch (event.eventType()) {
            case "MESSAGE_CREATED" -> messageCreated(event);
            case "STREAM_STARTED" -> assistantMessage(event);
            case "CHUNK_RECEIVED" -> chunk(event);
            case "STREAM_COMPLETED" -> finish(event, "COMPLETED");
            case "STREAM_CANCELLED" -> finish(event, "CANCELLED");
            case "STREAM_FAILED" -> finish(event, "FAILED");
            case "STREAM_INTERRUPTED" -> finish(event, "INTERRUPTED");
            default -> log.debug("Event type {} is not part of the history", event.eventType());
        }
    }

    private boolean deleted(String conversationId) {
        return jdbc.sql("select count(*) from deleted_conversations where conversation_id = ?")
                        .param(conversationId)
                        .query(Long.class)
                        .single()
                > 0;
    }

    /** Tombstone, rows gone (messages and chunks by cascade), and the content in the recorded events blanked. */
    private void deleteConversation(ChatEvent event) {
        String conversationId = required(event.conversationId(), event);
        jdbc.sql("select user_id from conversations where id = ?")
                .param(conversationId)
                .query(String.class)
                .optional()
                .filter(owner -> !owner.equals(event.userId()))
                .ifPresent(owner -> {
                    throw new IllegalStateException("Event " + event.eventId() + " of user " + event.userId()
                            + " deletes conversation " + conversationId + " of another user; refused");
                });
        jdbc.sql("""
                insert into deleted_conversations (conversation_id, user_id, deleted_at) values (?, ?, ?)
                on conflict (conversation_id) do nothing
                """).params(conversationId, event.userId(), at(event)).update();
        jdbc.sql("delete from conversations where id = ?").param(conversationId).update();
        jdbc.sql("update event_store set payload = '{}'::jsonb where conversation_id = ? and payload <> '{}'::jsonb")
                .param(conversationId)
                .update();
    }

    private boolean record(ChatEvent event) {
        return jdbc.sql("""
                        insert into event_store
                            (event_id, event_type, aggregate_id, user_id, conversation_id, message_id, occurred_at, payload)
                        values (:eventId, :eventType, :aggregateId, :userId, :conversationId, :messageId, :occurredAt,
                                cast(:payload as jsonb))
                        on conflict (event_id) do nothing
                        """)
                        .param("eventId", event.eventId())
                        .param("eventType", event.eventType())
                        .param("aggregateId", event.aggregateId())
                        .param("userId", event.userId())
                        .param("conversationId", event.conversationId())
                        .param("messageId", event.messageId())
                        .param("occurredAt", at(event))
                        .param("payload", json.writeValueAsString(event.payloadOrEmpty()))
                        .update()
                == 1;
    }

    private void messageCreated(ChatEvent event) {
        String content = String.valueOf(event.text("content"));
        conversation(event, content);
        jdbc.sql("""
                insert into messages (id, conversation_id, user_id, role, status, content, created_at, completed_at)
                values (:id, :conversationId, :userId, 'user', 'COMPLETED', :content, :at, :at)
                on conflict (id) do nothing
                """)
                .param("id", promptId(required(event.messageId(), event)))
                .param("conversationId", required(event.conversationId(), event))
                .param("userId", event.userId())
                .param("content", content)
                .param("at", at(event))
                .update();
    }

    private void assistantMessage(ChatEvent event) {
        conversation(event, "(untitled)");
        jdbc.sql("""
                insert into messages (id, conversation_id, user_id, role, status, model, created_at)
                values (:id, :conversationId, :userId, 'assistant', 'STREAMING', :model, :at)
                on conflict (id) do update
                   set created_at = least(messages.created_at, excluded.created_at),
                       model = coalesce(messages.model, excluded.model)
                 where messages.user_id = excluded.user_id
                """)
                .param("id", required(event.messageId(), event))
                .param("conversationId", required(event.conversationId(), event))
                .param("userId", event.userId())
                .param("model", event.text("model"))
                .param("at", at(event))
                .update();
        requireOwner("messages", required(event.messageId(), event), event);
    }

    private void chunk(ChatEvent event) {
        // the common case, the answer already known: one read instead of two upserts and their owner checks
        String owner = jdbc.sql("select user_id from messages where id = ?")
                .param(required(event.messageId(), event))
                .query(String.class)
                .optional()
                .orElse(null);
        if (owner == null) {
            assistantMessage(event);
        } else if (!owner.equals(event.userId())) {
            throw new IllegalStateException("Event " + event.eventId() + " of user " + event.userId()
                    + " names messages " + event.messageId() + " of another user; refused");
        }
        Integer index = event.number("index");
        if (index == null || index < 0) {
            throw new IllegalArgumentException("CHUNK_RECEIVED " + event.eventId() + " has no index");
        }
        jdbc.sql("""
                insert into stream_chunks (message_id, chunk_index, content, chunk_type, emitted_at)
                values (:messageId, :index, :content, :type, :at)
                on conflict (message_id, chunk_index) do nothing
                """)
                .param("messageId", event.messageId())
                .param("index", index)
                .param("content", String.valueOf(event.text("content")))
                .param("type", event.text("chunkType") == null ? "TEXT" : event.text("chunkType"))
                .param("at", at(event))
                .update();
        jdbc.sql("update messages set chunk_count = greatest(chunk_count, :count) where id = :id")
                .param("count", index + 1)
                .param("id", event.messageId())
                .update();
    }

    private void finish(ChatEvent event, String status) {
        assistantMessage(event);
        jdbc.sql("""
                update messages m
                   set status = :status,
                       total_chunks = :totalChunks,
                       finish_reason = :finishReason,
                       token_count = :tokenCount,
                       content_sha256 = :sha256,
                       error_code = :errorCode,
                       completed_at = :at,
                       content = coalesce((select string_agg(c.content, '' order by c.chunk_index)
                                             from stream_chunks c where c.message_id = m.id), ''),
                       chunk_ends = (select array_agg(e.chunk_end order by e.chunk_index)
                                       from (select chunk_index,
                                                    sum(char_length(content)) over (order by chunk_index) as chunk_end
                                               from stream_chunks where message_id = m.id) e)
                 where m.id = :id
                """)
                .param("status", status)
                .param("totalChunks", event.number("totalChunks"))
                .param("finishReason", event.text("finishReason"))
                .param("tokenCount", event.number("tokenCount"))
                .param("sha256", event.text("contentSha256"))
                .param("errorCode", event.text("code"))
                .param("at", at(event))
                .param("id", event.messageId())
                .update();
    }

    private void conversation(ChatEvent event, String firstWords) {
        String title = firstWords.length() > TITLE_LENGTH ? firstWords.substring(0, TITLE_LENGTH) + "…" : firstWords;
        jdbc.sql("""
                insert into conversations (id, user_id, title, created_at, updated_at)
                values (:id, :userId, :title, :at, :at)
                on conflict (id) do update
                   set created_at = least(conversations.created_at, excluded.created_at),
                       updated_at = greatest(conversations.updated_at, excluded.updated_at),
                       title = case when conversations.title = '(untitled)' then excluded.title
                                    else conversations.title end
                 where conversations.user_id = excluded.user_id
                """)
                .param("id", required(event.conversationId(), event))
                .param("userId", event.userId())
                .param("title", title)
                .param("at", at(event))
                .update();
        requireOwner("conversations", required(event.conversationId(), event), event);
    }

    private void requireOwner(String table, String id, ChatEvent event) {
        String owner = jdbc.sql("select user_id from " + table + " where id = ?")
                .param(id)
                .query(String.class)
                .single();
        if (!owner.equals(event.userId())) {
            throw new IllegalStateException("Event " + event.eventId() + " of user " + event.userId() + " names "
                    + table + " " + id + " of another user; refused");
        }
    }

    static String promptId(String messageId) {
        return messageId + ":prompt";
    }

    private static String required(String value, ChatEvent event) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Event " + event.eventId() + " lacks its conversation or message id");
        }
        return value;
    }

    private static Timestamp at(ChatEvent event) {
        return Timestamp.from(Instant.ofEpochMilli(event.timestamp()));
    }
}
