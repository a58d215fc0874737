package dev.streamchat.orchestrator.event;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * An event on {@code chat.stream.events} or {@code chat.stream.chunks}: the envelope of DESIGN.md section 7. Events
 * get ids derived from the message (and a chunk batch's indices), so an event emitted twice (a retry, a re-emission
 * from the hot log in the same batches) is the same event.
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

    /** The id of the {@code CHUNKS_APPENDED} event of chunks {@code fromIndex} to {@code fromIndex + count - 1}. */
    public static String chunksEventId(String messageId, int fromIndex, int count) {
        return derivedId(messageId + ":chunks:" + fromIndex + ":" + count);
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
