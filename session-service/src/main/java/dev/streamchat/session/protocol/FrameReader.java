package dev.streamchat.session.protocol;

import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and validates client frames. Anything wrong is a {@link ProtocolException} with the code the client gets:
 * BAD_FRAME (not a JSON object, too deep, no type), UNKNOWN_TYPE, VALIDATION (a field missing, blank, too long or
 * of the wrong kind). Unknown fields are ignored.
 */
@Component
public class FrameReader {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");
    private static final int MAX_NESTING = 32;

    private final JsonMapper json;
    private final ProtocolLimits limits;

    public FrameReader(ProtocolProperties properties, ProtocolLimits limits) {
        this.limits = limits;
        this.json = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxNestingDepth(MAX_NESTING)
                                .maxStringLength(properties.maxFrameChars())
                                .build())
                        .build())
                .build();
    }

    public ClientFrame read(String text) {
        JsonNode frame;
        try {
            frame = json.readTree(text);
        } catch (JacksonException e) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "the frame is not valid JSON (or nests too deep)");
        }
        if (frame == null || !frame.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "a frame is a JSON object");
        }
        JsonNode type = frame.get("type");
        if (type == null || !type.isString()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "a frame needs a string field 'type'");
        }
        return switch (type.asString()) {
            case "CHAT_REQUEST" -> chatRequest(frame);
            case "CANCEL_STREAM" -> new ClientFrame.CancelStream(id(frame, "messageId"));
            case "RECONNECT" -> reconnect(frame);
            case "HEARTBEAT" -> new ClientFrame.Heartbeat();
            default ->
                throw new ProtocolException(
                        ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + abbreviate(type.asString()) + "'");
        };
    }

    private ClientFrame.ChatRequest chatRequest(JsonNode frame) {
        String requestId = id(frame, "requestId");
        try {
            return chatRequest(frame, requestId);
        } catch (ProtocolException e) {
            throw e.forRequest(requestId);
        }
    }

    private ClientFrame.ChatRequest chatRequest(JsonNode frame, String requestId) {
        String conversationId = optionalId(frame, "conversationId");
        JsonNode content = frame.get("content");
        if (content == null || !content.isString() || content.asString().isBlank()) {
            throw new ProtocolException(ErrorCode.VALIDATION, "content must be a non-blank string");
        }
        int maxContentChars = limits.current().maxContentChars();
        if (content.asString().length() > maxContentChars) {
            throw new ProtocolException(
                    ErrorCode.VALIDATION, "content must be at most " + maxContentChars + " characters");
        }
        String unstorable = unstorable(content.asString());
        if (unstorable != null) {
            throw new ProtocolException(ErrorCode.VALIDATION, "content " + unstorable);
        }
        String model = optional(frame, "model", MODEL);
        JsonNode options = frame.get("options");
        Map<String, Object> optionMap = Map.of();
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw new ProtocolException(ErrorCode.VALIDATION, "options must be an object");
            }
            optionMap = json.convertValue(options, Map.class);
        }
        return new ClientFrame.ChatRequest(requestId, conversationId, content.asString(), model, optionMap);
    }

    private ClientFrame.Reconnect reconnect(JsonNode frame) {
        String messageId = id(frame, "messageId");
        JsonNode last = frame.get("lastChunkIndex");
        // below the largest int, so that the index after it is one too
        if (last == null
                || !last.isIntegralNumber()
                || !last.canConvertToInt()
                || last.asInt() < -1
                || last.asInt() == Integer.MAX_VALUE) {
            throw new ProtocolException(
                    ErrorCode.VALIDATION, "lastChunkIndex must be an integer from -1 to " + (Integer.MAX_VALUE - 1));
        }
        return new ClientFrame.Reconnect(messageId, last.asInt());
    }

    private static String id(JsonNode frame, String field) {
        String value = optionalId(frame, field);
        if (value == null) {
            throw new ProtocolException(ErrorCode.VALIDATION, field + " is required");
        }
        return value;
    }

    private static @Nullable String optionalId(JsonNode frame, String field) {
        return optional(frame, field, ID);
    }

    private static @Nullable String optional(JsonNode frame, String field, Pattern pattern) {
        JsonNode value = frame.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString() || !pattern.matcher(value.asString()).matches()) {
            throw new ProtocolException(
                    ErrorCode.VALIDATION,
                    field + " must be a string of 1 to 128 letters, digits or "
                            + (pattern == MODEL ? ". _ : / -" : ". _ : -"));
        }
        return value.asString();
    }

    /**
     * Why no service could store or show the text, or null: a control character other than tab, line feed and carriage
     * return (PostgreSQL's text cannot hold NUL at all), or half of a surrogate pair (no UTF-8 for it).
     */
    static @Nullable String unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                return String.format("must not hold control characters (U+%04X at %d)", (int) c, i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must not hold half of a surrogate pair (at " + i + ")";
            }
        }
        return null;
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
