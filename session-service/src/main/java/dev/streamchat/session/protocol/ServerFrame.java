package dev.streamchat.session.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The frames the server sends: protocol v1, and {@link Chunks} besides in v2. Each carries its {@code type} and a
 * {@code timestamp} (epoch ms).
 */
public sealed interface ServerFrame {

    /** The WebSocket subprotocol of v2; a client that does not offer it speaks v1. */
    String V2 = "streamchat.v2";

    /** The WebSocket subprotocol of v1, which a client may also name. */
    String V1 = "streamchat.v1";

    String type();

    long timestamp();

    static long now() {
        return System.currentTimeMillis();
    }

    record Welcome(
            String type,
            long timestamp,
            String sessionId,
            String userId,
            String nodeId,
            int protocolVersion,
            long serverTime)
            implements ServerFrame {
        public static Welcome of(String sessionId, String userId, String nodeId, int protocolVersion) {
            long now = now();
            return new Welcome("WELCOME", now, sessionId, userId, nodeId, protocolVersion, now);
        }
    }

    record StreamStarted(String type, long timestamp, String requestId, String messageId, String conversationId)
            implements ServerFrame {
        public static StreamStarted of(String requestId, String messageId, String conversationId) {
            return new StreamStarted("STREAM_STARTED", now(), requestId, messageId, conversationId);
        }
    }

    /**
     * A chunk; its timestamp (ms) and {@code emittedAtMicros} are when the orchestrator emitted it, unchanged when it
     * is sent again on resume.
     */
    record Chunk(
            String type,
            long timestamp,
            String messageId,
            int index,
            String content,
            String chunkType,
            long emittedAtMicros)
            implements ServerFrame {
        public static Chunk of(String messageId, int index, String content, String chunkType, long emittedAtMicros) {
            return new Chunk("CHUNK", emittedAtMicros / 1000, messageId, index, content, chunkType, emittedAtMicros);
        }
    }

    /**
     * Protocol v2: consecutive chunks {@code fromIndex, fromIndex + 1, ...} of one message in one frame, each with the
     * fields its CHUNK frame would carry. The frame's timestamp is when it was written.
     */
    record Chunks(String type, long timestamp, String messageId, int fromIndex, List<Item> chunks)
            implements ServerFrame {

        /** Bytes a frame takes besides its chunks (type, timestamp, message id, index, brackets). */
        public static final int OVERHEAD = 160;

        public static Chunks of(String messageId, int fromIndex, List<Item> chunks) {
            return new Chunks("CHUNKS", now(), messageId, fromIndex, chunks);
        }

        /** One chunk of a CHUNKS frame. */
        public record Item(String content, String chunkType, long timestamp, long emittedAtMicros) {

            public static Item of(String content, String chunkType, long emittedAtMicros) {
                return new Item(content, chunkType, emittedAtMicros / 1000, emittedAtMicros);
            }

            /** The bytes this chunk takes in the frame's JSON, at most (its content escaped, in UTF-8). */
            public int encodedBytes() {
                int bytes = 96 + chunkType.length();
                for (int i = 0; i < content.length(); i++) {
                    char c = content.charAt(i);
                    if (c < 0x20) {
                        bytes += 6;
                    } else if (c == '"' || c == '\\') {
                        bytes += 2;
                    } else if (c < 0x80) {
                        bytes += 1;
                    } else if (c < 0x800) {
                        bytes += 2;
                    } else {
                        bytes += 3;
                    }
                }
                return bytes;
            }
        }
    }

    record Complete(
            String type,
            long timestamp,
            String messageId,
            int totalChunks,
            String finishReason,
            int tokenCount,
            String contentSha256)
            implements ServerFrame {
        public static Complete of(
                String messageId, int totalChunks, String finishReason, int tokenCount, String contentSha256) {
            return new Complete("COMPLETE", now(), messageId, totalChunks, finishReason, tokenCount, contentSha256);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Recovery(
            String type,
            long timestamp,
            String messageId,
            String status,
            int fromIndex,
            int missing,
            @Nullable String code,
            @Nullable Long retryAfterMs)
            implements ServerFrame {
        public static Recovery of(String messageId, String status, int fromIndex, int missing) {
            return new Recovery("RECOVERY", now(), messageId, status, fromIndex, missing, null, null);
        }

        /** A RECONNECT over the user's limit: status ERROR, to be sent again after {@code retryAfterMs}. */
        public static Recovery rateLimited(String messageId, int fromIndex, long retryAfterMs) {
            return new Recovery(
                    "RECOVERY", now(), messageId, "ERROR", fromIndex, -1, ErrorCode.RATE_LIMITED.name(), retryAfterMs);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(
            String type,
            long timestamp,
            String code,
            String message,
            @Nullable String requestId,
            @Nullable String messageId,
            boolean retryable)
            implements ServerFrame {
        public static Error of(ErrorCode code, String message, @Nullable String messageId, boolean retryable) {
            return of(code.name(), message, messageId, retryable);
        }

        public static Error of(String code, String message, @Nullable String messageId, boolean retryable) {
            return new Error("ERROR", now(), code, message, null, messageId, retryable);
        }

        /** The same error, as the answer to the CHAT_REQUEST {@code requestId}: how a client ties a refusal to it. */
        public Error forRequest(@Nullable String requestId) {
            return new Error(type, timestamp, code, message, requestId, messageId, retryable);
        }
    }

    record HeartbeatAck(String type, long timestamp) implements ServerFrame {
        public static HeartbeatAck of() {
            return new HeartbeatAck("HEARTBEAT_ACK", now());
        }
    }
}
