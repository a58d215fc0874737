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
import tools.jackson.databind.json.JsonMapper;

/**
 * The events of {@code chat.stream.events} and {@code chat.stream.chunks} persistence-service reads, as
 * orchestrator-service sends them: read into
 * this service's own {@link ChatEvent}, with the fields {@link EventProjection} uses.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(
        providerName = "orchestrator-service",
        providerType = ProviderType.ASYNCH,
        pactVersion = PactSpecVersion.V4)
class StreamEventsPactTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Pact(consumer = "persistence-service")
    V4Pact started(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_STARTED event")
                .withContent(envelope("STREAM_STARTED").object("payload").stringType("model", "simulated"))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "persistence-service")
    V4Pact chunks(MessagePactBuilder builder) {
        return builder.expectsToReceive("a CHUNKS_APPENDED event")
                .withContent(envelope("CHUNKS_APPENDED")
                        .object("payload")
                        .integerType("fromIndex", 0)
                        .minArrayLike("chunks", 1)
                        .stringType("content", "Hello ")
                        .stringMatcher("chunkType", "TEXT|THINKING|CODE", "TEXT")
                        .integerType("emittedAtMicros", 1_700_000_000_000_000L)
                        .closeObject()
                        .closeArray())
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "persistence-service")
    V4Pact completed(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_COMPLETED event")
                .withContent(envelope("STREAM_COMPLETED")
                        .object("payload")
                        .integerType("totalChunks", 3)
                        .stringType("finishReason", "STOP")
                        .integerType("tokenCount", 3)
                        .stringMatcher("contentSha256", "[0-9a-f]{64}", "0".repeat(64)))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "persistence-service")
    V4Pact failed(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_FAILED event")
                .withContent(envelope("STREAM_FAILED")
                        .object("payload")
                        .integerType("totalChunks", 1)
                        .integerType("tokenCount", 1)
                        .stringType("code", "PROVIDER_UNAVAILABLE"))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "persistence-service")
    V4Pact cancelled(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_CANCELLED event")
                .withContent(envelope("STREAM_CANCELLED")
                        .object("payload")
                        .integerType("totalChunks", 2)
                        .stringValue("finishReason", "CANCELLED")
                        .integerType("tokenCount", 2)
                        .stringMatcher("contentSha256", "[0-9a-f]{64}", "0".repeat(64)))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "persistence-service")
    V4Pact interrupted(MessagePactBuilder builder) {
        return builder.expectsToReceive("a STREAM_INTERRUPTED event")
                .withContent(envelope("STREAM_INTERRUPTED")
                        .object("payload")
                        .integerType("totalChunks", 5)
                        .integerType("tokenCount", 5)
                        .stringMatcher("contentSha256", "[0-9a-f]{64}", "0".repeat(64))
                        .stringValue("code", "INTERRUPTED"))
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "started")
    void readsTheModelOfAStartedAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        ChatEvent event = read(messages, "STREAM_STARTED");
        assertThat(event.text("model")).isEqualTo("simulated");
    }

    @Test
    @PactTestFor(pactMethod = "chunks")
    void readsTheFirstIndexAndTheContentTypeAndTimeOfEachChunk(List<V4Interaction.AsynchronousMessage> messages) {
        ChatEvent event = read(messages, "CHUNKS_APPENDED");
        assertThat(event.number("fromIndex")).isZero();
        assertThat(event.payloadOrEmpty().get("chunks"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .singleElement()
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("content", "Hello ")
                .containsEntry("chunkType", "TEXT")
                .containsKey("emittedAtMicros");
    }

    @Test
    @PactTestFor(pactMethod = "completed")
    void readsTheTotalsAndDigestOfACompletedAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        ChatEvent event = read(messages, "STREAM_COMPLETED");
        assertThat(event.number("totalChunks")).isEqualTo(3);
        assertThat(event.number("tokenCount")).isEqualTo(3);
        assertThat(event.text("finishReason")).isEqualTo("STOP");
        assertThat(event.text("contentSha256")).hasSize(64);
    }

    @Test
    @PactTestFor(pactMethod = "failed")
    void readsTheErrorCodeOfAFailedAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        ChatEvent event = read(messages, "STREAM_FAILED");
        assertThat(event.number("totalChunks")).isEqualTo(1);
        assertThat(event.text("code")).isEqualTo("PROVIDER_UNAVAILABLE");
    }

    @Test
    @PactTestFor(pactMethod = "cancelled")
    void readsTheTotalsOfACancelledAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        ChatEvent event = read(messages, "STREAM_CANCELLED");
        assertThat(event.number("totalChunks")).isEqualTo(2);
        assertThat(event.text("finishReason")).isEqualTo("CANCELLED");
    }

    @Test
    @PactTestFor(pactMethod = "interrupted")
    void readsTheTotalsOfAnInterruptedAnswer(List<V4Interaction.AsynchronousMessage> messages) {
        ChatEvent event = read(messages, "STREAM_INTERRUPTED");
        assertThat(event.number("totalChunks")).isEqualTo(5);
        assertThat(event.text("code")).isEqualTo("INTERRUPTED");
    }

    /** The envelope of DESIGN.md section 7 with what the projection needs of it. */
    private static PactDslJsonBody envelope(String eventType) {
        return new PactDslJsonBody()
                .uuid("eventId", "0b9d5f0e-2f7a-3c8e-9f5d-7a1e2b3c4d5e")
                .stringValue("eventType", eventType)
                .integerType("schemaVersion", 1)
                .stringType("userId", "alice")
                .stringType("conversationId", "conv-1")
                .uuid("messageId", "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                .integerType("timestamp", 1_700_000_000_000L);
    }

    static ChatEvent read(List<V4Interaction.AsynchronousMessage> messages, String eventType) {
        assertThat(messages).hasSize(1);
        ChatEvent event =
                JSON.readValue(messages.getFirst().getContents().getContents().valueAsString(), ChatEvent.class);
        assertThat(event.eventType()).isEqualTo(eventType);
        assertThat(event.eventId()).isNotBlank();
        assertThat(event.userId()).isEqualTo("alice");
        assertThat(event.messageId()).isEqualTo("6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2");
        assertThat(event.conversationId()).isNotBlank();
        return event;
    }
}
