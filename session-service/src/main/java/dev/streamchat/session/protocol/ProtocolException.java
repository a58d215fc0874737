package dev.streamchat.session.protocol;

import org.jspecify.annotations.Nullable;

/** A client frame that cannot be applied; answered with an ERROR frame, the connection stays open. */
public final class ProtocolException extends RuntimeException {

    private final ErrorCode code;
    private final @Nullable String messageId;

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public ProtocolException(ErrorCode code, String message, @Nullable String messageId) {
        super(message, null, false, false);
        this.code = code;
        this.messageId = messageId;
    }

    public ErrorCode code() {
        return code;
    }

    public @Nullable String messageId() {
        return messageId;
    }
}
