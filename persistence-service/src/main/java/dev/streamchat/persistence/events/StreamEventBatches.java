package dev.streamchat.persistence.events;

import java.util.ArrayList;
import java.util.List;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * One poll of {@code chat.stream.events} at a time, applied in one transaction ({@link EventProjection#applyAll}).
 * A record wrong in itself (unreadable, or refused by the projection) is named to the listener container by its
 * position: the records before it are applied and committed, it goes to the dead-letter topic at once, and the records
 * after it come again with the next poll ({@link DeadLetterConfiguration}). Any other failure (the database away) fails
 * the whole batch, which the container asks again with back-off.
 */
@Component
class StreamEventBatches {

    private final EventProjection projection;
    private final JsonMapper json;

    StreamEventBatches(EventProjection projection, JsonMapper json) {
        this.projection = projection;
        this.json = json;
    }

    void apply(List<byte[]> records) {
        var events = new ArrayList<ChatEvent>(records.size());
        RuntimeException unreadable = null;
        for (byte[] record : records) {
            try {
                ChatEvent event = json.readValue(record, ChatEvent.class);
                if (event == null) {
                    throw new IllegalArgumentException("null");
                }
                events.add(event);
            } catch (JacksonException e) {
                unreadable = new IllegalArgumentException("Unreadable stream event: " + e.getOriginalMessage(), e);
                break;
            } catch (IllegalArgumentException e) {
                unreadable = new IllegalArgumentException("Unreadable stream event: " + e.getMessage(), e);
                break;
            }
        }
        try {
            projection.applyAll(events);
        } catch (EventProjection.RefusedEvent refused) {
            projection.applyAll(events.subList(0, refused.index()));
            throw new BatchListenerFailedException(refused.getMessage(), refused.getCause(), refused.index());
        }
        if (unreadable != null) {
            throw new BatchListenerFailedException(unreadable.getMessage(), unreadable, events.size());
        }
    }
}
