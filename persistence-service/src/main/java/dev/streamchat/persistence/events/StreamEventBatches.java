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
 * after it come again with the next poll ({@link DeadLetterConfiguration}). So is an event whose data the database
 * refuses ({@link EventProjection#unstorable}), found by applying the batch again an event at a time. Any other failure
 * (the database away) fails the whole batch, which the container asks again with back-off.
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
        } catch (RuntimeException failure) {
            if (!EventProjection.unstorable(failure)) {
                throw failure;
            }
            applyOneByOne(events);
        }
        if (unreadable != null) {
            throw new BatchListenerFailedException(unreadable.getMessage(), unreadable, events.size());
        }
    }

    /**
     * After the database refused a batch's data: the events one transaction each, until the one it refuses, which is
     * named to the container (the events before it stay applied, the others come again with the next poll).
     */
    private void applyOneByOne(List<ChatEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            ChatEvent event = events.get(i);
            try {
                projection.applyAll(List.of(event));
            } catch (EventProjection.RefusedEvent refused) {
                throw new BatchListenerFailedException(refused.getMessage(), refused.getCause(), i);
            } catch (RuntimeException failure) {
                if (!EventProjection.unstorable(failure)) {
                    throw failure;
                }
                var unstorable = new IllegalArgumentException(
                        "Event " + event.eventId() + " cannot be stored: " + failure.getMessage(), failure);
                throw new BatchListenerFailedException(unstorable.getMessage(), unstorable, i);
            }
        }
    }
}
