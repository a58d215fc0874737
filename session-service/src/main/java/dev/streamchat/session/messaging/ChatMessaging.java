package dev.streamchat.session.messaging;

import java.nio.charset.StandardCharsets;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;

/**
 * Sends to Kafka through Spring Cloud Stream. Commands are sent synchronously (the binding is {@code sync}): a
 * command Kafka did not take is an error for the client, never silently dropped. Records are keyed by conversation
 * (by session for session events), so the commands and events of one message stay in order.
 */
@Component
public class ChatMessaging {

    private final StreamBridge streamBridge;

    ChatMessaging(StreamBridge streamBridge) {
        this.streamBridge = streamBridge;
    }

    /** Sends a command; throws when Kafka did not acknowledge it. */
    public void send(ChatCommand command) {
        send("chatRequests-out-0", command.conversationId(), command);
    }

    public void messageEvent(DomainEvent event) {
        send(
                "messageEvents-out-0",
                event.conversationId() == null ? event.aggregateId() : event.conversationId(),
                event);
    }

    public void sessionEvent(DomainEvent event) {
        send("sessionEvents-out-0", event.aggregateId(), event);
    }

    private void send(String binding, String key, Object payload) {
        var message = MessageBuilder.withPayload(payload)
                .setHeader(KafkaHeaders.KEY, key.getBytes(StandardCharsets.UTF_8))
                .build();
        if (!streamBridge.send(binding, message)) {
            throw new IllegalStateException("Kafka did not accept the record for " + binding);
        }
    }
}
