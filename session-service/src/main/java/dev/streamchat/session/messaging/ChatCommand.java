package dev.streamchat.session.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A command on {@code chat.requests} for orchestrator-service: {@code StartStream} or {@code CancelStream} (this
 * service's own copy; the Pact message contract keeps it in step with the consumer's).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCommand(
        String commandId,
        String commandType,
        String messageId,
        String userId,
        String conversationId,
        @Nullable String requestId,
        @Nullable String sessionId,
        @Nullable String nodeId,
        @Nullable String content,
        @Nullable String model,
        @Nullable Map<String, Object> options,
        long timestamp) {

    public static ChatCommand startStream(
            String messageId,
            String userId,
            String conversationId,
            String requestId,
            String sessionId,
            String nodeId,
            String content,
            @Nullable String model,
            Map<String, Object> options) {
        return new ChatCommand(
                UUID.randomUUID().toString(),
                "StartStream",
                messageId,
                userId,
                conversationId,
                requestId,
                sessionId,
                nodeId,
                content,
                model,
                options,
                System.currentTimeMillis());
    }

    public static ChatCommand cancelStream(String messageId, String userId, String conversationId, String nodeId) {
        return new ChatCommand(
                UUID.randomUUID().toString(),
                "CancelStream",
                messageId,
                userId,
                conversationId,
                null,
                null,
                nodeId,
                null,
                null,
                null,
                System.currentTimeMillis());
    }
}
