package dev.streamchat.session.protocol;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The frames a client sends (protocol v1). */
public sealed interface ClientFrame {

    /** {@code CHAT_REQUEST {requestId, conversationId?, content, model?, options?}} */
    record ChatRequest(
            String requestId,
            @Nullable String conversationId,
            String content,
            @Nullable String model,
            Map<String, Object> options)
            implements ClientFrame {}

    /** {@code CANCEL_STREAM {messageId}} */
    record CancelStream(String messageId) implements ClientFrame {}

    /** {@code RECONNECT {messageId, lastChunkIndex}}, -1 when no chunk was seen. */
    record Reconnect(String messageId, int lastChunkIndex) implements ClientFrame {}

    /** {@code HEARTBEAT} */
    record Heartbeat() implements ClientFrame {}
}
