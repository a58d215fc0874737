package dev.streamchat.session.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import au.com.dius.pact.consumer.MessagePactBuilder;
import au.com.dius.pact.consumer.dsl.DslPart;
import au.com.dius.pact.consumer.dsl.PactDslJsonArray;
import au.com.dius.pact.consumer.dsl.PactDslJsonBody;
import au.com.dius.pact.consumer.junit5.PactConsumerTestExt;
import au.com.dius.pact.consumer.junit5.PactTestFor;
import au.com.dius.pact.consumer.junit5.ProviderType;
import au.com.dius.pact.core.model.PactSpecVersion;
import au.com.dius.pact.core.model.V4Interaction;
import au.com.dius.pact.core.model.V4Pact;
import au.com.dius.pact.core.model.annotations.Pact;
import dev.streamchat.testsupport.PublishedPacts;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hot log's entries and the live channel's messages as orchestrator-service writes them, read the way
 * {@link HotLogReader} reads them into this service's own {@link LogFrame}: a chunk entry, a terminal entry, and a live
 * message (the entries of one append, a JSON array).
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(
        providerName = "orchestrator-service",
        providerType = ProviderType.ASYNCH,
        pactVersion = PactSpecVersion.V4)
class HotLogPactTests {

    private final HotLogReader reader =
            new HotLogReader(null, JsonMapper.builder().build());

    @Pact(consumer = "session-service")
    V4Pact chunkEntry(MessagePactBuilder builder) {
        return builder.expectsToReceive("a hot-log chunk entry")
                .withContent(chunk(new PactDslJsonBody()))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "session-service")
    V4Pact completeEntry(MessagePactBuilder builder) {
        return builder.expectsToReceive("a hot-log COMPLETE entry")
                .withContent(new PactDslJsonBody()
                        .stringValue("kind", "COMPLETE")
                        .uuid("messageId")
                        .integerType("index", 3)
                        .integerType("timestamp", 1_700_000_000_000L)
                        .integerType("totalChunks", 3)
                        .stringType("finishReason", "STOP")
                        .integerType("tokenCount", 3)
                        .stringMatcher("contentSha256", "[0-9a-f]{64}", "0".repeat(64)))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "session-service")
    V4Pact errorEntry(MessagePactBuilder builder) {
        return builder.expectsToReceive("a hot-log ERROR entry")
                .withContent(new PactDslJsonBody()
                        .stringValue("kind", "ERROR")
                        .uuid("messageId")
                        .integerType("index", 1)
                        .integerType("timestamp", 1_700_000_000_000L)
                        .integerType("totalChunks", 1)
                        .stringType("code", "PROVIDER_UNAVAILABLE")
                        .stringType("message", "the model failed at chunk 1")
                        .booleanType("retryable", true))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "session-service")
    V4Pact liveMessage(MessagePactBuilder builder) {
        DslPart entries = chunk(PactDslJsonArray.arrayMinLike(1)).closeObject();
        return builder.expectsToReceive("a live message of chunks")
                .withContent(entries)
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "chunkEntry")
    void readsAChunkEntryWithItsIndexContentTypeAndEmitTime(List<V4Interaction.AsynchronousMessage> messages) {
        LogFrame frame = reader.parse(text(messages));
        assertThat(frame.isChunk()).isTrue();
        assertThat(frame.index()).isZero();
        assertThat(frame.content()).isEqualTo("Hello ");
        assertThat(frame.chunkType()).isEqualTo("TEXT");
        assertThat(frame.emittedAtMicrosOrMillis()).isEqualTo(1_700_000_000_000_123L);
    }

    @Test
    @PactTestFor(pactMethod = "completeEntry")
    void readsACompleteEntryAtItsIndexAfterEveryChunk(List<V4Interaction.AsynchronousMessage> messages) {
        LogFrame frame = reader.parse(text(messages));
        assertThat(frame.isChunk()).isFalse();
        assertThat(frame.kind()).isEqualTo("COMPLETE");
        assertThat(frame.index()).isEqualTo(3).isEqualTo(frame.totalChunks());
        assertThat(frame.finishReason()).isEqualTo("STOP");
        assertThat(frame.contentSha256()).hasSize(64);
    }

    @Test
    @PactTestFor(pactMethod = "errorEntry")
    void readsAnErrorEntryWithItsCodeAndWhetherToAskAgain(List<V4Interaction.AsynchronousMessage> messages) {
        LogFrame frame = reader.parse(text(messages));
        assertThat(frame.kind()).isEqualTo("ERROR");
        assertThat(frame.code()).isEqualTo("PROVIDER_UNAVAILABLE");
        assertThat(frame.retryable()).isTrue();
    }

    @Test
    @PactTestFor(pactMethod = "liveMessage")
    void readsALiveMessageAsTheEntriesOfOneAppendInOrder(List<V4Interaction.AsynchronousMessage> messages) {
        List<LogFrame> frames = reader.parseLive(text(messages).getBytes(StandardCharsets.UTF_8));
        assertThat(frames)
                .isNotEmpty()
                .allSatisfy(frame -> assertThat(frame.isChunk()).isTrue());
        assertThat(frames.getFirst().content()).isEqualTo("Hello ");
    }

    /** A chunk entry: index, content, type and emit time (µs; {@code timestamp} holds the same in ms). */
    private static PactDslJsonBody chunk(PactDslJsonBody body) {
        return body.stringValue("kind", "CHUNK")
                .uuid("messageId")
                .integerType("index", 0)
                .integerType("timestamp", 1_700_000_000_000L)
                .stringType("content", "Hello ")
                .stringMatcher("chunkType", "TEXT|THINKING|CODE|TOOL_USE|CITATION", "TEXT")
                .integerType("emittedAtMicros", 1_700_000_000_000_123L);
    }

    private static String text(List<V4Interaction.AsynchronousMessage> messages) {
        assertThat(messages).hasSize(1);
        return messages.getFirst().getContents().getContents().valueAsString();
    }
}
