package dev.streamchat.analytics.events;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An event of {@code chat.stream.events} or {@code chat.session.events}, as this service reads it (its own copy; the
 * Pact message contracts keep producers and this consumer in step).
 */
public record AnalyticsEvent(
        String eventId,
        String eventType,
        String userId,
        @Nullable String messageId,
        long timestamp,
        @Nullable Map<String, Object> payload) {

    Map<String, Object> payloadOrEmpty() {
        return payload == null ? Map.of() : payload;
    }

    @Nullable
    String text(String field) {
        Object value = payloadOrEmpty().get(field);
        return value == null ? null : value.toString();
    }

    @Nullable
    Long number(String field) {
        return payloadOrEmpty().get(field) instanceof Number number ? number.longValue() : null;
    }
}
