package dev.streamchat.analytics.events;

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

/** recovery-service's {@code RECOVERED} on {@code chat.session.events}: one recovery of an answer, and its latency. */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "recovery-service", providerType = ProviderType.ASYNCH, pactVersion = PactSpecVersion.V4)
class RecoveryEventsPactTests {

    @Pact(consumer = "analytics-service")
    V4Pact recovered(MessagePactBuilder builder) {
        return builder.expectsToReceive("a RECOVERED event")
                .withContent(new PactDslJsonBody()
                        .uuid("eventId", "0b9d5f0e-2f7a-3c8e-9f5d-7a1e2b3c4d5e")
                        .stringValue("eventType", "RECOVERED")
                        .stringType("userId", "alice")
                        .uuid("messageId", "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                        .integerType("timestamp", 1_700_000_000_000L)
                        .object("payload")
                        .integerType("latencyMicros", 850L)
                        .stringMatcher("tier", "hot-log|cache|database", "hot-log")
                        .stringMatcher("status", "RECOVERED|COMPLETED", "RECOVERED"))
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "recovered")
    void readsTheAnswerTierStatusAndLatencyOfARecovery(List<V4Interaction.AsynchronousMessage> messages) {
        AnalyticsEvent event = StreamEventsPactTests.read(messages, "RECOVERED");
        assertThat(event.messageId()).isEqualTo("6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2");
        assertThat(event.number("latencyMicros")).isEqualTo(850L);
        assertThat(event.text("tier")).isEqualTo("hot-log");
        assertThat(event.text("status")).isEqualTo("RECOVERED");
    }
}
