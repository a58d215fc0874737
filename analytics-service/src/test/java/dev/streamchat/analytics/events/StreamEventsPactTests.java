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
import tools.jackson.databind.json.JsonMapper;

/**
 * The events of {@code chat.stream.events} analytics-service measures, as orchestrator-service sends them: read into
 * this service's own {@link AnalyticsEvent}, with the fields {@link AnalyticsProjection} uses.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(
        providerName = "orchestrator-service",
        providerType = ProviderType.ASYNCH,
        pactVersion = PactSpecVersion.V4)
class StreamEventsPactTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Pact(consumer = "analytics-service")
    V4Pact started(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_STARTED event")
                .withContent(envelope("STREAM_STARTED")
                        .object("payload")
                        .stringType("model", "simulated")
                        .stringType("provider", "simulated"))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "analytics-service")
    V4Pact completed(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_COMPLETED event")
                .withContent(envelope("STREAM_COMPLETED")
                        .object("payload")
                        .integerType("firstChunkAt", 1_700_000_000_200L)
                        .integerType("durationMs", 600L)
                        .integerType("totalChunks", 3)
                        .integerType("tokenCount", 3)
                        .stringType("finishReason", "STOP"))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "analytics-service")
    V4Pact failed(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_FAILED event")
                .withContent(envelope("STREAM_FAILED")
                        .object("payload")
                        .integerType("durationMs", 300L)
                        .integerType("totalChunks", 1)
                        .integerType("tokenCount", 1)
                        .stringType("code", "PROVIDER_UNAVAILABLE"))
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "started")
    void readsTheModelAndProviderOfAStartedAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        AnalyticsEvent event = read(messages, "STREAM_STARTED");
        assertThat(event.text("model")).isEqualTo("simulated");
        assertThat(event.text("provider")).isEqualTo("simulated");
    }

    @Test
    @PactTestFor(pactMethod = "completed")
    void readsTheTimingsAndTotalsOfACompletedAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        AnalyticsEvent event = read(messages, "STREAM_COMPLETED");
        assertThat(event.number("firstChunkAt")).isEqualTo(1_700_000_000_200L);
        assertThat(event.number("durationMs")).isEqualTo(600L);
        assertThat(event.number("totalChunks")).isEqualTo(3L);
        assertThat(event.number("tokenCount")).isEqualTo(3L);
        assertThat(event.text("finishReason")).isEqualTo("STOP");
    }

    @Test
    @PactTestFor(pactMethod = "failed")
    void readsTheErrorCodeOfAFailedAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        AnalyticsEvent event = read(messages, "STREAM_FAILED");
        assertThat(event.number("durationMs")).isEqualTo(300L);
        assertThat(event.text("code")).isEqualTo("PROVIDER_UNAVAILABLE");
    }

    private static PactDslJsonBody envelope(String eventType) {
        return new PactDslJsonBody()
                .uuid("eventId", "0b9d5f0e-2f7a-3c8e-9f5d-7a1e2b3c4d5e")
                .stringValue("eventType", eventType)
                .stringType("userId", "alice")
                .uuid("messageId", "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                .integerType("timestamp", 1_700_000_000_000L);
    }

    static AnalyticsEvent read(List<V4Interaction.AsynchronousMessage> messages, String eventType) {
        assertThat(messages).hasSize(1);
        AnalyticsEvent event =
                JSON.readValue(messages.getFirst().getContents().getContents().valueAsString(), AnalyticsEvent.class);
        assertThat(event.eventType()).isEqualTo(eventType);
        assertThat(event.eventId()).isNotBlank();
        assertThat(event.userId()).isEqualTo("alice");
        assertThat(event.timestamp()).isEqualTo(1_700_000_000_000L);
        return event;
    }
}
