package dev.streamchat.session.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An event on {@code chat.message.events} or {@code chat.session.events}, in the envelope of DESIGN.md section 7.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DomainEvent(
        String eventId,
        String eventType,
        int schemaVersion,
        String aggregateId,
        String userId,
        @Nullable String conversationId,
        @Nullable String messageId,
        String nodeId,
        long timestamp,
        Map<String, Object> payload) {

    public static DomainEvent of(
            String eventType,
            String aggregateId,
            String userId,
            @Nullable String conversationId,
            @Nullable String messageId,
            String nodeId,
            Map<String, Object> payload) {
        return new DomainEvent(
                UUID.randomUUID().toString(),
                eventType,
                1,
                aggregateId,
                userId,
                conversationId,
                messageId,
                nodeId,
                System.currentTimeMillis(),
                payload);
    }
}
