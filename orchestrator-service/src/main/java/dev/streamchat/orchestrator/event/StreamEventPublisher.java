package dev.streamchat.orchestrator.event;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends stream events with Boot's {@link KafkaTemplate} (idempotent producer, {@code acks=all}, see config-repo),
 * keyed by conversation so that the events of one message keep their order: lifecycle events to
 * {@code chat.stream.events}, chunks a batch per event ({@link ChunkBatch}) to {@code chat.stream.chunks}, which only
 * persistence-service reads.
 *
 * <p>Not through a Spring Cloud Stream binding: its message channel, function wrapper and two observations per record
 * were half of this service's CPU at full speed (one event per chunk). The trace goes on in the record's headers, put
 * there from the generation's span, so the consumers' spans still join the answer's trace.
 */
@Component
@EnableConfigurationProperties(EventProperties.class)
public class StreamEventPublisher {

    private static final Logger log = LoggerFactory.getLogger(StreamEventPublisher.class);
    private static final Propagator.Setter<ProducerRecord<byte[], byte[]>> HEADERS =
            (record, key, value) -> record.headers().add(key, value.getBytes(StandardCharsets.UTF_8));

    private final KafkaTemplate<byte[], byte[]> kafka;
    private final JsonMapper json;
    private final Tracer tracer;
    private final Propagator propagator;
    private final EventProperties properties;

    StreamEventPublisher(
            KafkaTemplate<byte[], byte[]> kafka,
            JsonMapper json,
            Tracer tracer,
            Propagator propagator,
            EventProperties properties) {
        this.kafka = kafka;
        this.json = json;
        this.tracer = tracer;
        this.propagator = propagator;
        this.properties = properties;
    }

    /**
     * Sends the event as part of the given span's trace (a generation's events are sent from its writer thread, where
     * no span is current); without one, as part of the current span's, if any.
     */
    public void publish(StreamEvent event, @Nullable Span parent) {
        send(properties.streamTopic(), event, parent);
    }

    public void publish(StreamEvent event) {
        publish(event, null);
    }

    /** Sends a {@code CHUNKS_APPENDED} event to the chunk topic, as part of the given span's trace. */
    public void publishChunks(StreamEvent event, @Nullable Span parent) {
        send(properties.chunkTopic(), event, parent);
    }

    /** A batch of chunk events of the configured size that hands each full batch to {@code sender}. */
    public ChunkBatch chunkBatch(BiConsumer<Integer, Map<String, Object>> sender) {
        return new ChunkBatch(properties.maxChunksPerEvent(), properties.maxCharsPerEvent(), sender);
    }

    /** How long a chunk may wait for others of its answer before its event is sent. */
    public Duration chunkLinger() {
        return properties.chunkLinger();
    }

    private void send(String topic, StreamEvent event, @Nullable Span parent) {
        var record = new ProducerRecord<>(
                topic, event.conversationId().getBytes(StandardCharsets.UTF_8), json.writeValueAsBytes(event));
        Span span = parent != null ? parent : tracer.currentSpan();
        if (span != null) {
            propagator.inject(span.context(), record, HEADERS);
        }
        // the producer retries on its own until delivery.timeout.ms; what still fails is logged with the event
        kafka.send(record).whenComplete((result, error) -> {
            if (error != null) {
                log.error(
                        "Stream event {} ({}) of message {} was not sent",
                        event.eventId(),
                        event.eventType(),
                        event.messageId(),
                        error);
            }
        });
    }
}
