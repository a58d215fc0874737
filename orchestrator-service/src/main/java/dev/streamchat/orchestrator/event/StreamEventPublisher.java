package dev.streamchat.orchestrator.event;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;

/**
 * Sends stream events through the binding {@code streamEvents-out-0} (idempotent producer, {@code acks=all}), keyed by
 * conversation so that the events of one message keep their order.
 */
@Component
public class StreamEventPublisher {

    static final String BINDING = "streamEvents-out-0";

    private final StreamBridge streamBridge;
    private final Tracer tracer;

    StreamEventPublisher(StreamBridge streamBridge, Tracer tracer) {
        this.streamBridge = streamBridge;
        this.tracer = tracer;
    }

    /**
     * Sends the event as part of the given span's trace (a generation's events are sent from the model client's
     * threads, where no span is current).
     */
    public void publish(StreamEvent event, @Nullable Span parent) {
        if (parent == null) {
            publish(event);
            return;
        }
        try (Tracer.SpanInScope scope = tracer.withSpan(parent)) {
            publish(event);
        }
    }

    public void publish(StreamEvent event) {
        var message = MessageBuilder.withPayload(event)
                .setHeader(KafkaHeaders.KEY, event.conversationId().getBytes(StandardCharsets.UTF_8))
                .build();
        if (!streamBridge.send(BINDING, message)) {
            throw new IllegalStateException("Stream event " + event.eventId() + " was not accepted by the binder");
        }
    }
}
