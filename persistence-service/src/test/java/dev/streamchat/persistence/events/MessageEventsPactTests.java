package dev.streamchat.persistence.events;

import static org.assertj.core.api.Assertions.assertThat;

import au.com.dius.pact.consumer.MessagePactBuilder;
import au.com.dius.pact.consumer.dsl.PactDslJsonBody;
import au.com.dius.pact.consumer.junit5.PactConsumerTestExt;
import au.com.dius.pact.consumer.junit5.PactTestFor;
import au.com.dius.pact.consumer.junit5.ProviderType;
import au.com.dius.pact.core.model.PactSpecVersion;
import au.com.dius.pact.core.model.V4Interaction;
import au.com.dius.pact.core.model.V4Pact;
import au.com.dius.pact.core.model.annotations.Pact;
import dev.streamchat.testsupport.PublishedPacts;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The question of an answer, {@code MESSAGE_CREATED} on {@code chat.message.events}, as session-service sends it. */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "session-service", providerType = ProviderType.ASYNCH, pactVersion = PactSpecVersion.V4)
class MessageEventsPactTests {

    @Pact(consumer = "persistence-service")
    V4Pact messageCreated(MessagePactBuilder builder) {
        return builder.expectsToReceive("a MESSAGE_CREATED event")
                .withContent(new PactDslJsonBody()
                        .uuid("eventId", "0b9d5f0e-2f7a-3c8e-9f5d-7a1e2b3c4d5e")
                        .stringValue("eventType", "MESSAGE_CREATED")
                        .integerType("schemaVersion", 1)
                        .stringType("userId", "alice")
                        .stringType("conversationId", "conv-1")
                        .uuid("messageId", "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                        .integerType("timestamp", 1_700_000_000_000L)
                        .object("payload")
                        .stringType("content", "What is the capital of France?"))
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "messageCreated")
    void readsTheQuestionAndItsConversation(List<V4Interaction.AsynchronousMessage> messages) {
        ChatEvent event = StreamEventsPactTests.read(messages, "MESSAGE_CREATED");
        assertThat(event.conversationId()).isEqualTo("conv-1");
        assertThat(event.text("content")).isEqualTo("What is the capital of France?");
    }
}
