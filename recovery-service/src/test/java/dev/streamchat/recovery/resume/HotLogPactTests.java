package dev.streamchat.recovery.resume;

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
 * The hot log's entries as orchestrator-service writes them, read the way {@link HotLogTier} reads them into this
 * service's own {@link Frame}: a chunk entry and the two terminal entries.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(
        providerName = "orchestrator-service",
        providerType = ProviderType.ASYNCH,
        pactVersion = PactSpecVersion.V4)
class HotLogPactTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Pact(consumer = "recovery-service")
    V4Pact chunkEntry(MessagePactBuilder builder) {
        return builder.expectsToReceive("a hot-log chunk entry")
                .withContent(new PactDslJsonBody()
                        .stringValue("kind", "CHUNK")
                        .uuid("messageId")
                        .integerType("index", 0)
                        .integerType("timestamp", 1_700_000_000_000L)
                        .stringType("content", "Hello ")
                        .stringMatcher("chunkType", "TEXT|THINKING|CODE|TOOL_USE|CITATION", "TEXT")
                        .integerType("emittedAtMicros", 1_700_000_000_000_123L))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "recovery-service")
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

    @Pact(consumer = "recovery-service")
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

    @Test
    @PactTestFor(pactMethod = "chunkEntry")
    void readsAChunkEntryAsAFrameOfItsIndex(List<V4Interaction.AsynchronousMessage> messages) {
        Frame frame = read(messages);
        assertThat(frame.isChunk()).isTrue();
        assertThat(frame.index()).isZero();
        assertThat(frame.content()).isEqualTo("Hello ");
        assertThat(frame.chunkType()).isEqualTo("TEXT");
        assertThat(frame.emittedAtMicros()).isEqualTo(1_700_000_000_000_123L);
    }

    @Test
    @PactTestFor(pactMethod = "completeEntry")
    void readsACompleteEntryWhoseIndexIsTheChunkCount(List<V4Interaction.AsynchronousMessage> messages) {
        Frame frame = read(messages);
        assertThat(frame.isChunk()).isFalse();
        assertThat(frame.index()).isEqualTo(3).isEqualTo(frame.totalChunks());
        assertThat(frame.contentSha256()).hasSize(64);
    }

    @Test
    @PactTestFor(pactMethod = "errorEntry")
    void readsAnErrorEntryWithItsCode(List<V4Interaction.AsynchronousMessage> messages) {
        Frame frame = read(messages);
        assertThat(frame.kind()).isEqualTo("ERROR");
        assertThat(frame.code()).isEqualTo("PROVIDER_UNAVAILABLE");
        assertThat(frame.retryable()).isTrue();
    }

    private static Frame read(List<V4Interaction.AsynchronousMessage> messages) {
        assertThat(messages).hasSize(1);
        return JSON.readValue(messages.getFirst().getContents().getContents().valueAsString(), Frame.class);
    }
}
