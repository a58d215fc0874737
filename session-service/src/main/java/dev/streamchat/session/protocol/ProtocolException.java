package dev.streamchat.session.protocol;

import org.jspecify.annotations.Nullable;

/** A client frame that cannot be applied; answered with an ERROR frame, the connection stays open. */
public final class ProtocolException extends RuntimeException {

    private final ErrorCode code;
    private final @Nullable String messageId;
    private final @Nullable String requestId;

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public ProtocolException(ErrorCode code, String message, @Nullable String messageId) {
        this(code, message, messageId, null);
    }

    private ProtocolException(ErrorCode code, String message, @Nullable String messageId, @Nullable String requestId) {
        super(message, null, false, false);
        this.code = code;
        this.messageId = messageId;
        this.requestId = requestId;
    }

    /** The same refusal, as the answer to the CHAT_REQUEST {@code requestId}. */
    public ProtocolException forRequest(String requestId) {
        return new ProtocolException(code, getMessage(), messageId, requestId);
    }

    public ErrorCode code() {
        return code;
    }

    public @Nullable String messageId() {
        return messageId;
    }

    public @Nullable String requestId() {
        return requestId;
    }
}
