package dev.streamchat.orchestrator.event;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * An event on {@code chat.stream.events}: the envelope of DESIGN.md section 7. Chunk events get an id derived from
 * the message and the index, so an event emitted twice (a retry, a re-emission from the hot log) is the same event.
 */
public record StreamEvent(
        String eventId,
        String eventType,
        int schemaVersion,
        String aggregateId,
        String userId,
        String conversationId,
        String messageId,
        String nodeId,
        long timestamp,
        Map<String, Object> payload) {

    public static final int SCHEMA_VERSION = 1;

    public static String chunkEventId(String messageId, int index) {
        return derivedId(messageId + ":chunk:" + index);
    }

    public static String terminalEventId(String messageId) {
        return derivedId(messageId + ":terminal");
    }

    public static String startedEventId(String messageId) {
        return derivedId(messageId + ":started");
    }

    private static String derivedId(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
