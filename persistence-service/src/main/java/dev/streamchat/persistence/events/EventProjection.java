package dev.streamchat.persistence.events;

import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
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
 * order-independent (earliest creation time, first non-null model), and a replay ends in the same rows. An event that
 * would write into another user's conversation or message is refused (its transaction rolls back and it goes to the
 * dead-letter topic).
 *
 * <p>Stream events come in batches ({@link #applyAll}): one transaction per poll, every event recorded by one
 * statement, and each run of chunk events between two other events written by two statements (chunk rows, chunk
 * counts), whatever its length. One transaction per chunk (five statements and a commit) cost 0.9 ms of CPU per chunk
 * between this service and PostgreSQL, the most of any part of the system. Chunks come from {@code chat.stream.chunks}
 * as {@code CHUNKS_APPENDED}, many consecutive chunks of one answer per event; {@code CHUNK_RECEIVED}, one chunk per
 * event, is what orchestrators sent before, still read so that old events and a replay of {@code event_store} apply.
 * The end of an answer ({@code chat.stream.events}) may be read before its last chunks: an ended answer's content is
 * put together again when chunks of it arrive later.
 */
@Component
class EventProjection {

    private static final Logger log = LoggerFactory.getLogger(EventProjection.class);
    private static final int TITLE_LENGTH = 80;

    static final String CONVERSATION_DELETED = "CONVERSATION_DELETED";
    static final String CHUNKS_APPENDED = "CHUNKS_APPENDED";
    static final String CHUNK_RECEIVED = "CHUNK_RECEIVED";

    /** An answer's content and chunk boundaries, put together from its chunk rows. */
    private static final String WHOLE_CONTENT = """
            content = coalesce((select string_agg(c.content, '' order by c.chunk_index)
                                  from stream_chunks c where c.message_id = m.id), ''),
            chunk_ends = (select array_agg(e.chunk_end order by e.chunk_index)
                            from (select chunk_index,
                                         sum(char_length(content)) over (order by chunk_index) as chunk_end
                                    from stream_chunks where message_id = m.id) e)
            """;

    private final JdbcClient jdbc;
    private final JsonMapper json;

    EventProjection(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional
    public void apply(ChatEvent event) {
        try {
            applyAll(List.of(event));
        } catch (RefusedEvent refused) {
            throw refused.getCause();
        } catch (RuntimeException failure) {
            if (unstorable(failure)) {
                throw new IllegalArgumentException(
                        "Event " + event.eventId() + " cannot be stored: " + failure.getMessage(), failure);
            }
            throw failure;
        }
    }

    /**
     * True when the database refused an event's data: a data exception or an integrity constraint (SQLState class 22
     * or 23: a value too long, a NUL character, a broken reference). Such an event fails again on every attempt, so it
     * goes to the dead-letter topic at once; any other failure (the database away) is waited out.
     */
    static boolean unstorable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("22") || state.startsWith("23")) {
                    return true;
                }
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /**
     * Applies the events in their order, in one transaction. An event wrong in itself (another user's conversation or
     * message, no index) rolls the whole batch back and is named by its position: {@link RefusedEvent}.
     */
    @Transactional
    public void applyAll(List<ChatEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            ChatEvent event = events.get(i);
            if (blank(event.eventId())
                    || blank(event.eventType())
                    || blank(event.aggregateId())
                    || blank(event.userId())) {
                throw new RefusedEvent(
                        i, new IllegalArgumentException("Event " + event.eventId() + " lacks part of its envelope"));
            }
        }
        Set<String> fresh = record(events);
        Set<String> deletedConversations = deletedAmong(events);
        var chunks = new ArrayList<ChunkRow>();
        for (int i = 0; i < events.size(); i++) {
            ChatEvent event = events.get(i);
            if (!fresh.remove(event.eventId())) {
                log.debug("Event {} applied before; skipped", event.eventId());
                continue;
            }
            if (CONVERSATION_DELETED.equals(event.eventType())) {
                chunks(chunks);
                deleteConversation(event, i);
                deletedConversations.add(event.conversationId());
                continue;
            }
            if (event.conversationId() != null && deletedConversations.contains(event.conversationId())) {
                log.debug(
                        "Event {} belongs to deleted conversation {}; recorded, not applied",
                        event.eventId(),
                        event.conversationId());
                continue;
            }
            if (CHUNKS_APPENDED.equals(event.eventType()) || CHUNK_RECEIVED.equals(event.eventType())) {
                try {
                    ChunkRow.addAll(chunks, i, event);
                } catch (IllegalArgumentException e) {
                    throw new RefusedEvent(i, e);
                }
                continue;
            }
            chunks(chunks);
            try {
                switch (event.eventType()) {
                    case "MESSAGE_CREATED" -> messageCreated(event);
                    case "STREAM_STARTED" -> assistantMessage(event);
                    case "STREAM_COMPLETED" -> finish(event, "COMPLETED");
                    case "STREAM_CANCELLED" -> finish(event, "CANCELLED");
                    case "STREAM_FAILED" -> finish(event, "FAILED");
                    case "STREAM_INTERRUPTED" -> finish(event, "INTERRUPTED");
                    default -> log.debug("Event type {} is not part of the history", event.eventType());
                }
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new RefusedEvent(i, e);
            }
        }
        chunks(chunks);
    }

    /** An event of a batch that is wrong in itself, at {@code index} of the batch; nothing of the batch was applied. */
    static final class RefusedEvent extends RuntimeException {

        private final int index;

        RefusedEvent(int index, RuntimeException cause) {
            super(cause.getMessage(), cause);
            this.index = index;
        }

        int index() {
            return index;
        }

        @Override
        public synchronized RuntimeException getCause() {
            return (RuntimeException) super.getCause();
        }
    }

    /** One chunk of a chunk event: {@code position} is the event's in its batch. */
    private record ChunkRow(int position, ChatEvent event, int index, String content, String type, long millis) {

        /** The chunks of a {@code CHUNKS_APPENDED} or {@code CHUNK_RECEIVED} event, added to {@code rows}. */
        static void addAll(List<ChunkRow> rows, int position, ChatEvent event) {
            if (CHUNK_RECEIVED.equals(event.eventType())) {
                Integer index = event.number("index");
                if (index == null || index < 0) {
                    throw new IllegalArgumentException(event.eventType() + " " + event.eventId() + " has no index");
                }
                rows.add(new ChunkRow(
                        position,
                        event,
                        index,
                        String.valueOf(event.text("content")),
                        typeOr(event.text("chunkType")),
                        event.timestamp()));
                return;
            }
            Integer from = event.number("fromIndex");
            if (from == null
                    || from < 0
                    || !(event.payloadOrEmpty().get("chunks") instanceof List<?> chunks)
                    || chunks.isEmpty()) {
                throw new IllegalArgumentException(
                        event.eventType() + " " + event.eventId() + " has no fromIndex or no chunks");
            }
            for (int i = 0; i < chunks.size(); i++) {
                if (!(chunks.get(i) instanceof Map<?, ?> chunk) || !(chunk.get("content") instanceof String content)) {
                    throw new IllegalArgumentException(
                            event.eventType() + " " + event.eventId() + " has a chunk without content at " + i);
                }
                long millis = chunk.get("emittedAtMicros") instanceof Number micros
                        ? micros.longValue() / 1000
                        : event.timestamp();
                rows.add(new ChunkRow(
                        position,
                        event,
                        from + i,
                        content,
                        typeOr(chunk.get("chunkType") instanceof String type ? type : null),
                        millis));
            }
        }

        private static String typeOr(@Nullable String type) {
            return type == null ? "TEXT" : type;
        }
    }

    private Set<String> deletedAmong(List<ChatEvent> events) {
        String[] conversations = events.stream()
                .map(ChatEvent::conversationId)
                .filter(id -> id != null)
                .distinct()
                .toArray(String[]::new);
        if (conversations.length == 0) {
            return new HashSet<>();
        }
        return new HashSet<>(
                jdbc.sql("select conversation_id from deleted_conversations where conversation_id = any(?::varchar[])")
                        .param(conversations)
                        .query(String.class)
                        .list());
    }

    /** Tombstone, rows gone (messages and chunks by cascade), and the content in the recorded events blanked. */
    private void deleteConversation(ChatEvent event, int index) {
        String conversationId;
        try {
            conversationId = required(event.conversationId(), event);
        } catch (IllegalArgumentException e) {
            throw new RefusedEvent(index, e);
        }
        jdbc.sql("select user_id from conversations where id = ?")
                .param(conversationId)
                .query(String.class)
                .optional()
                .filter(owner -> !owner.equals(event.userId()))
                .ifPresent(owner -> {
                    throw new RefusedEvent(
                            index,
                            new IllegalStateException("Event " + event.eventId() + " of user " + event.userId()
                                    + " deletes conversation " + conversationId + " of another user; refused"));
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

    /** Records the events (one statement); returns the ids not recorded before, each once. */
    private Set<String> record(List<ChatEvent> events) {
        int size = events.size();
        var ids = new String[size];
        var types = new String[size];
        var aggregates = new String[size];
        var users = new String[size];
        var conversations = new String[size];
        var messages = new String[size];
        var times = new Long[size];
        var payloads = new String[size];
        for (int i = 0; i < size; i++) {
            ChatEvent event = events.get(i);
            ids[i] = event.eventId();
            types[i] = event.eventType();
            aggregates[i] = event.aggregateId();
            users[i] = event.userId();
            conversations[i] = event.conversationId();
            messages[i] = event.messageId();
            times[i] = event.timestamp();
            payloads[i] = json.writeValueAsString(event.payloadOrEmpty());
        }
        return new HashSet<>(jdbc.sql("""
                        insert into event_store
                            (event_id, event_type, aggregate_id, user_id, conversation_id, message_id, occurred_at, payload)
                        select e.id, e.type, e.aggregate, e.user_id, e.conversation, e.message,
                               timestamptz 'epoch' + e.millis * interval '1 millisecond',
                               cast(e.payload as jsonb)
                          from unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[],
                                      ?::bigint[], ?::text[])
                               as e(id, type, aggregate, user_id, conversation, message, millis, payload)
                        on conflict (event_id) do nothing
                        returning event_id
                        """)
                .params(ids, types, aggregates, users, conversations, messages, times, payloads)
                .query(String.class)
                .list());
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

    /**
     * Writes a run of chunks (and empties the list): the owner of each answer read once, an answer not known yet
     * created from its first chunk, then every chunk row and every answer's chunk count in one statement each, and the
     * content of the answers among them that had already ended.
     */
    private void chunks(List<ChunkRow> run) {
        if (run.isEmpty()) {
            return;
        }
        String[] messageIds = run.stream()
                .map(chunk -> chunk.event().messageId())
                .filter(id -> id != null)
                .distinct()
                .toArray(String[]::new);
        var owners = new HashMap<String, String>();
        jdbc.sql("select id, user_id from messages where id = any(?::varchar[])")
                .param(messageIds)
                .query((row, number) -> Map.entry(row.getString(1), row.getString(2)))
                .list()
                .forEach(owner -> owners.put(owner.getKey(), owner.getValue()));
        int size = run.size();
        var ids = new String[size];
        var indexes = new Integer[size];
        var contents = new String[size];
        var types = new String[size];
        var times = new Long[size];
        var counts = new LinkedHashMap<String, Integer>();
        for (int i = 0; i < size; i++) {
            ChunkRow row = run.get(i);
            ChatEvent event = row.event();
            try {
                String messageId = required(event.messageId(), event);
                String owner = owners.get(messageId);
                if (owner == null) {
                    assistantMessage(event);
                    owners.put(messageId, event.userId());
                } else if (!owner.equals(event.userId())) {
                    throw new IllegalStateException("Event " + event.eventId() + " of user " + event.userId()
                            + " names message " + messageId + " of another user; refused");
                }
                ids[i] = messageId;
                indexes[i] = row.index();
                contents[i] = row.content();
                types[i] = row.type();
                times[i] = row.millis();
                counts.merge(messageId, row.index() + 1, Math::max);
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new RefusedEvent(row.position(), e);
            }
        }
        jdbc.sql("""
                insert into stream_chunks (message_id, chunk_index, content, chunk_type, emitted_at)
                select c.message, c.index, c.content, c.type,
                       timestamptz 'epoch' + c.millis * interval '1 millisecond'
                  from unnest(?::varchar[], ?::integer[], ?::text[], ?::varchar[], ?::bigint[])
                       as c(message, index, content, type, millis)
                on conflict (message_id, chunk_index) do nothing
                """).params(ids, indexes, contents, types, times).update();
        jdbc.sql("""
                update messages m set chunk_count = greatest(m.chunk_count, c.count)
                  from unnest(?::varchar[], ?::integer[]) as c(id, count)
                 where m.id = c.id
                """)
                .params(counts.keySet().toArray(String[]::new), counts.values().toArray(Integer[]::new))
                .update();
        jdbc.sql("update messages m set " + WHOLE_CONTENT
                        + " where m.id = any(?::varchar[]) and m.status <> 'STREAMING'")
                .param(counts.keySet().toArray(String[]::new))
                .update();
        run.clear();
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
                """ + WHOLE_CONTENT + """
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

    private static boolean blank(@Nullable String value) {
        return value == null || value.isBlank();
    }

    private static Timestamp at(ChatEvent event) {
        return Timestamp.from(Instant.ofEpochMilli(event.timestamp()));
    }
}
