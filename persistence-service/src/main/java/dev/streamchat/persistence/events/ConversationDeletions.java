package dev.streamchat.persistence.events;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;

/**
 * Deleting a conversation is an event like every other change: CONVERSATION_DELETED goes to
 * {@code chat.message.events} (keyed by the conversation, so it follows the conversation's own messages), then is
 * applied here at once; the consumer later finds it applied. A replay applies it again in its place, so deleted
 * conversations stay deleted.
 */
@Component
public class ConversationDeletions {

    static final String BINDING = "conversationDeletions-out-0";

    private final StreamBridge bridge;
    private final EventProjection projection;

    ConversationDeletions(StreamBridge bridge, EventProjection projection) {
        this.bridge = bridge;
        this.projection = projection;
    }

    /** Deletes the user's conversation; throws when Kafka does not take the event (nothing is deleted then). */
    public void delete(String userId, String conversationId) {
        var event = new ChatEvent(
                UUID.randomUUID().toString(),
                EventProjection.CONVERSATION_DELETED,
                1,
                conversationId,
                userId,
                conversationId,
                null,
                "persistence-service",
                System.currentTimeMillis(),
                Map.of());
        var message = MessageBuilder.withPayload(event)
                .setHeader(KafkaHeaders.KEY, conversationId.getBytes(StandardCharsets.UTF_8))
                .build();
        if (!bridge.send(BINDING, message)) {
            throw new IllegalStateException("the deletion of conversation " + conversationId + " was not accepted");
        }
        projection.apply(event);
    }
}
