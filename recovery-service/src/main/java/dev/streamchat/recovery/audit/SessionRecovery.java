package dev.streamchat.recovery.audit;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@code RECOVERED} event of {@code chat.session.events}, as this service reads it (its own copy; the Pact message
 * contract with session-service keeps the two in step): a resume a session node served from the hot log itself.
 * Other events of the topic are read as this record too, and let go.
 */
public record SessionRecovery(
        String eventId,
        String eventType,
        String userId,
        @Nullable String messageId,
        @Nullable String nodeId,
        @Nullable Map<String, Object> payload) {

    static final String SERVED_BY_SESSION_NODE = "session-service";

    /** A resume served by a session node: the ones this service did not audit when it served them. */
    boolean servedBySessionNode() {
        return "RECOVERED".equals(eventType)
                && messageId != null
                && payload != null
                && SERVED_BY_SESSION_NODE.equals(payload.get("servedBy"));
    }

    RecoveryAudit.Entry entry() {
        Map<String, Object> fields = payload == null ? Map.of() : payload;
        return new RecoveryAudit.Entry(
                userId,
                String.valueOf(fields.get("sessionId")),
                String.valueOf(messageId),
                number(fields.get("fromIndex")),
                fields.get("tier") == null ? null : fields.get("tier").toString(),
                String.valueOf(fields.get("status")),
                number(fields.get("chunks")),
                fields.get("latencyMicros") instanceof Number micros ? micros.longValue() : 0L);
    }

    private static int number(@Nullable Object value) {
        return value instanceof Number number ? number.intValue() : 0;
    }
}
