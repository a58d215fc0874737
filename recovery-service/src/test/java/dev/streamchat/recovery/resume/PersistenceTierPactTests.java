package dev.streamchat.recovery.resume;

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
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;

/**
 * What recovery-service expects of persistence-service's {@code GET /api/conversations/messages/{id}}, its database
 * tier, asked by {@link PersistenceTier} itself with the caller's token.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "persistence-service", pactVersion = PactSpecVersion.V4)
class PersistenceTierPactTests {

    private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    private static final String BEARER = "Bearer [A-Za-z0-9._~+/=-]+";
    private static final String INSTANT = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z";

    @Pact(consumer = "recovery-service")
    V4Pact storedAnswer(PactDslWithProvider builder) {
        return builder.given("alice's answer m-stored is stored whole: 3 chunks, COMPLETED")
                .uponReceiving("a request for a stored answer from chunk 1")
                .method("GET")
                .path("/api/conversations/messages/m-stored")
                .query("fromIndex=1")
                .matchHeader("Authorization", BEARER, "Bearer " + TOKEN)
                .willRespondWith()
                .status(200)
                .body(new PactDslJsonBody()
                        .stringValue("id", "m-stored")
                        .stringValue("status", "COMPLETED")
                        .numberValue("totalChunks", 3)
                        .stringType("finishReason", "STOP")
                        .integerType("tokenCount", 3)
                        .stringType("contentSha256", "digest")
                        .booleanValue("complete", true)
                        .array("chunks")
                        .object()
                        .numberValue("index", 1)
                        .stringType("content", "chunk-1 ")
                        .stringType("chunkType", "TEXT")
                        .stringMatcher("emittedAt", INSTANT, "2026-11-27T10:00:00Z")
                        .closeObject()
                        .object()
                        .numberValue("index", 2)
                        .stringType("content", "chunk-2 ")
                        .stringType("chunkType", "TEXT")
                        .stringMatcher("emittedAt", INSTANT, "2026-11-27T10:00:01Z")
                        .closeObject()
                        .closeArray())
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "recovery-service")
    V4Pact unknownAnswer(PactDslWithProvider builder) {
        return builder.given("persistence holds no answer m-unknown")
                .uponReceiving("a request for an answer persistence does not hold")
                .method("GET")
                .path("/api/conversations/messages/m-unknown")
                .query("fromIndex=0")
                .matchHeader("Authorization", BEARER, "Bearer " + TOKEN)
                .willRespondWith()
                .status(404)
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "storedAnswer")
    void turnsAStoredAnswerIntoChunksAndItsTerminalFrame(MockServer persistence) {
        var stored = tier(persistence).read(TOKEN, "m-stored", 1).orElseThrow();

        assertThat(stored.complete()).isTrue();
        assertThat(stored.frames()).extracting(Frame::index).containsExactly(1, 2, 3);
        assertThat(stored.frames().getFirst().content()).isEqualTo("chunk-1 ");
        Frame terminal = stored.frames().getLast();
        assertThat(terminal.kind()).isEqualTo("COMPLETE");
        assertThat(terminal.totalChunks()).isEqualTo(3);
        assertThat(terminal.contentSha256()).isEqualTo("digest");
    }

    @Test
    @PactTestFor(pactMethod = "unknownAnswer")
    void readsNothingForAnAnswerPersistenceDoesNotHold(MockServer persistence) {
        assertThat(tier(persistence).read(TOKEN, "m-unknown", 0)).isEmpty();
    }

    private static PersistenceTier tier(MockServer persistence) {
        var loadBalancer = mock(LoadBalancerClient.class);
        var uri = URI.create(persistence.getUrl());
        when(loadBalancer.choose("persistence-service"))
                .thenReturn(new DefaultServiceInstance(
                        "persistence-1", "persistence-service", uri.getHost(), uri.getPort(), false, Map.of()));
        return new PersistenceTier(
                loadBalancer,
                new RecoveryProperties(
                        1000,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(5),
                        64,
                        Duration.ofHours(1)));
    }
}
