package dev.streamchat.orchestrator.generation;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A command on {@code chat.requests}, as session-service sends it (this service's own copy; the Pact message
 * contract keeps the two in step). {@code commandType} is {@code StartStream} or {@code CancelStream}; the
 * prompt fields are present on StartStream only.
 */
public record ChatCommand(
        String commandId,
        String commandType,
        String messageId,
        String userId,
        @Nullable String conversationId,
        @Nullable String requestId,
        @Nullable String sessionId,
        @Nullable String nodeId,
        @Nullable String content,
        @Nullable String model,
        @Nullable Map<String, Object> options,
        long timestamp) {

    public static final String START_STREAM = "StartStream";
    public static final String CANCEL_STREAM = "CancelStream";

    public Map<String, Object> optionsOrEmpty() {
        return options == null ? Map.of() : options;
    }
}
