package dev.streamchat.persistence.events;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An event of {@code chat.message.events} or {@code chat.stream.events}, as this service reads it (its own copy; the
 * Pact message contracts keep producers and this consumer in step).
 */
public record ChatEvent(
        String eventId,
        String eventType,
        int schemaVersion,
        String aggregateId,
        String userId,
        @Nullable String conversationId,
        @Nullable String messageId,
        @Nullable String nodeId,
        long timestamp,
        @Nullable Map<String, Object> payload) {

    public Map<String, Object> payloadOrEmpty() {
        return payload == null ? Map.of() : payload;
    }

    public @Nullable String text(String field) {
        Object value = payloadOrEmpty().get(field);
        return value == null ? null : value.toString();
    }

    public @Nullable Integer number(String field) {
        return payloadOrEmpty().get(field) instanceof Number number ? number.intValue() : null;
    }
}
