package dev.streamchat.session.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import au.com.dius.pact.consumer.MockServer;
import au.com.dius.pact.consumer.dsl.PactDslJsonBody;
import au.com.dius.pact.consumer.dsl.PactDslWithProvider;
import au.com.dius.pact.consumer.junit5.PactConsumerTestExt;
import au.com.dius.pact.consumer.junit5.PactTestFor;
import au.com.dius.pact.core.model.PactSpecVersion;
import au.com.dius.pact.core.model.V4Pact;
import au.com.dius.pact.core.model.annotations.Pact;
import dev.streamchat.testsupport.PublishedPacts;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;

/**
 * What session-service expects of recovery-service's {@code POST /api/recovery}, asked by {@link RecoveryClient}
 * itself: the pact recovery-service verifies (provider states name the data it sets up).
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "recovery-service", pactVersion = PactSpecVersion.V4)
class RecoveryClientPactTests {

    private static final String TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    private static final String BEARER = "Bearer [A-Za-z0-9._~+/=-]+";

    @Pact(consumer = "session-service")
    V4Pact liveAnswer(PactDslWithProvider builder) {
        return builder.given("alice's answer m-live streams, chunks 0 to 2 in the hot log")
                .uponReceiving("a resume of a live answer after chunk 0")
                .method("POST")
                .path("/api/recovery")
                .matchHeader("Authorization", BEARER, TOKEN)
                .matchHeader("Content-Type", "application/json.*", "application/json")
                .body(new PactDslJsonBody()
                        .stringValue("sessionId", "s-1")
                        .stringValue("messageId", "m-live")
                        .integerType("lastChunkIndex", 0))
                .willRespondWith()
                .status(200)
                .body(new PactDslJsonBody()
                        .stringValue("status", "RECOVERED")
                        .integerType("fromIndex", 1)
                        .integerType("missing", -1)
                        .minArrayLike("frames", 2)
                        .stringValue("kind", "CHUNK")
                        .stringValue("messageId", "m-live")
                        .integerType("index", 1)
                        .integerType("timestamp", 1_000L)
                        .integerType("emittedAtMicros", 1_000_000L)
                        .stringType("content", "chunk-1 ")
                        .stringType("chunkType", "TEXT")
                        .closeObject()
                        .closeArray())
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "session-service")
    V4Pact endedAnswer(PactDslWithProvider builder) {
        return builder.given("alice's answer m-done ended, chunks 0 to 2 and COMPLETE in the hot log")
                .uponReceiving("a resume of an ended answer after chunk 1")
                .method("POST")
                .path("/api/recovery")
                .matchHeader("Authorization", BEARER, TOKEN)
                .matchHeader("Content-Type", "application/json.*", "application/json")
                .body(new PactDslJsonBody()
                        .stringValue("sessionId", "s-1")
                        .stringValue("messageId", "m-done")
                        .integerType("lastChunkIndex", 1))
                .willRespondWith()
                .status(200)
                .body(new PactDslJsonBody()
                        .stringValue("status", "COMPLETED")
                        .integerType("fromIndex", 2)
                        .integerType("missing", 1)
                        .array("frames")
                        .object()
                        .stringValue("kind", "CHUNK")
                        .stringValue("messageId", "m-done")
                        .numberValue("index", 2)
                        .integerType("timestamp", 1_000L)
                        .integerType("emittedAtMicros", 1_000_000L)
                        .stringType("content", "chunk-2 ")
                        .stringType("chunkType", "TEXT")
                        .closeObject()
                        .object()
                        .stringValue("kind", "COMPLETE")
                        .stringValue("messageId", "m-done")
                        .numberValue("index", 3)
                        .integerType("timestamp", 2_000L)
                        .numberValue("totalChunks", 3)
                        .stringType("finishReason", "STOP")
                        .integerType("tokenCount", 3)
                        .stringType("contentSha256", "digest")
                        .closeObject()
                        .closeArray())
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "session-service")
    V4Pact someoneElsesAnswer(PactDslWithProvider builder) {
        return builder.given("bob's answer m-bob streams in the hot log")
                .uponReceiving("a resume by alice of bob's answer")
                .method("POST")
                .path("/api/recovery")
                .matchHeader("Authorization", BEARER, TOKEN)
                .matchHeader("Content-Type", "application/json.*", "application/json")
                .body(new PactDslJsonBody()
                        .stringValue("sessionId", "s-1")
                        .stringValue("messageId", "m-bob")
                        .integerType("lastChunkIndex", 0))
                .willRespondWith()
                .status(200)
                .body(new PactDslJsonBody()
                        .stringValue("status", "NOT_FOUND")
                        .integerType("fromIndex", 1)
                        .integerType("missing", -1)
                        .array("frames")
                        .closeArray())
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "liveAnswer")
    void readsTheMissingChunksOfALiveAnswer(MockServer recovery) {
        var answer = client(recovery).recover(TOKEN.substring(7), "s-1", "m-live", 0);

        assertThat(answer.status()).isEqualTo("RECOVERED");
        assertThat(answer.fromIndex()).isEqualTo(1);
        assertThat(answer.nextIndex()).isNull();
        assertThat(answer.frames()).hasSizeGreaterThanOrEqualTo(2).allSatisfy(frame -> {
            assertThat(frame.isChunk()).isTrue();
            assertThat(frame.messageId()).isEqualTo("m-live");
            assertThat(frame.content()).isNotEmpty();
        });
    }

    @Test
    @PactTestFor(pactMethod = "endedAnswer")
    void readsTheRestOfAnEndedAnswerWithItsTerminalFrame(MockServer recovery) {
        var answer = client(recovery).recover(TOKEN.substring(7), "s-1", "m-done", 1);

        assertThat(answer.status()).isEqualTo("COMPLETED");
        assertThat(answer.frames()).extracting(LogFrame::index).containsExactly(2, 3);
        LogFrame terminal = answer.frames().getLast();
        assertThat(terminal.isChunk()).isFalse();
        assertThat(terminal.kind()).isEqualTo("COMPLETE");
        assertThat(terminal.totalChunks()).isEqualTo(3);
        assertThat(terminal.contentSha256()).isNotBlank();
    }

    @Test
    @PactTestFor(pactMethod = "someoneElsesAnswer")
    void readsNotFoundForAnotherUsersAnswer(MockServer recovery) {
        var answer = client(recovery).recover(TOKEN.substring(7), "s-1", "m-bob", 0);

        assertThat(answer.status()).isEqualTo("NOT_FOUND");
        assertThat(answer.frames()).isEmpty();
    }

    private static RecoveryClient client(MockServer recovery) {
        var loadBalancer = mock(LoadBalancerClient.class);
        var uri = java.net.URI.create(recovery.getUrl());
        when(loadBalancer.choose("recovery-service"))
                .thenReturn(new DefaultServiceInstance(
                        "recovery-1", "recovery-service", uri.getHost(), uri.getPort(), false, Map.of()));
        return new RecoveryClient(
                loadBalancer, ObservationRegistry.NOOP, new RecoveryCallProperties(Duration.ofSeconds(5), 4));
    }
}
