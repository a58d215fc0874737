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

/**
 * session-service's events on {@code chat.session.events}: analytics-service reads them into its
 * {@link AnalyticsEvent} (a session's own carry no answer, so they are read and let go; the envelope must still
 * parse), and counts RECOVERED, a resume the session node served from the hot log itself.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "session-service", providerType = ProviderType.ASYNCH, pactVersion = PactSpecVersion.V4)
class SessionEventsPactTests {

    @Pact(consumer = "analytics-service")
    V4Pact connected(MessagePactBuilder builder) {
        return builder.expectsToReceive("a CONNECTED event")
                .withContent(envelope("CONNECTED").object("payload").stringType("sessionId", "s-1"))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "analytics-service")
    V4Pact disconnected(MessagePactBuilder builder) {
        return builder.expectsToReceive("a DISCONNECTED event")
                .withContent(envelope("DISCONNECTED")
                        .object("payload")
                        .stringType("sessionId", "s-1")
                        .integerType("closeCode", 1000))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "analytics-service")
    V4Pact recovered(MessagePactBuilder builder) {
        return builder.expectsToReceive("a RECOVERED event")
                .withContent(envelope("RECOVERED")
                        .uuid("messageId", "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                        .object("payload")
                        .integerType("latencyMicros", 850L)
                        .stringValue("tier", "hot-log")
                        .stringMatcher("status", "RECOVERED|COMPLETED", "RECOVERED"))
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "recovered")
    void readsTheTierStatusAndLatencyOfAResumeServedFromTheHotLog(List<V4Interaction.AsynchronousMessage> messages) {
        AnalyticsEvent event = StreamEventsPactTests.read(messages, "RECOVERED");
        assertThat(event.messageId()).isEqualTo("6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2");
        assertThat(event.number("latencyMicros")).isEqualTo(850L);
        assertThat(event.text("tier")).isEqualTo("hot-log");
        assertThat(event.text("status")).isEqualTo("RECOVERED");
    }

    @Test
    @PactTestFor(pactMethod = "connected")
    void readsAConnectedSession(List<V4Interaction.AsynchronousMessage> messages) {
        AnalyticsEvent event = StreamEventsPactTests.read(messages, "CONNECTED");
        assertThat(event.messageId()).isNull();
        assertThat(event.text("sessionId")).isEqualTo("s-1");
    }

    @Test
    @PactTestFor(pactMethod = "disconnected")
    void readsADisconnectedSession(List<V4Interaction.AsynchronousMessage> messages) {
        AnalyticsEvent event = StreamEventsPactTests.read(messages, "DISCONNECTED");
        assertThat(event.number("closeCode")).isEqualTo(1000L);
    }

    private static PactDslJsonBody envelope(String eventType) {
        return new PactDslJsonBody()
                .uuid("eventId", "0b9d5f0e-2f7a-3c8e-9f5d-7a1e2b3c4d5e")
                .stringValue("eventType", eventType)
                .stringType("userId", "alice")
                .integerType("timestamp", 1_700_000_000_000L);
    }
}
