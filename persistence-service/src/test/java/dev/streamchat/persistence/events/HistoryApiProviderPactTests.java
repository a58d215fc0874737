package dev.streamchat.persistence.events;

import au.com.dius.pact.provider.junit5.HttpTestTarget;
import au.com.dius.pact.provider.junit5.PactVerificationContext;
import au.com.dius.pact.provider.junit5.PactVerificationInvocationContextProvider;
import au.com.dius.pact.provider.junitsupport.Provider;
import au.com.dius.pact.provider.junitsupport.State;
import au.com.dius.pact.provider.junitsupport.loader.PactFolder;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestTokens;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hc.core5.http.HttpRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * persistence-service as the provider of its history API for recovery-service's pact (a stored answer, the caller's
 * token) and orchestrator-service's (a conversation's recent turns, platform credentials). The provider states store
 * answers through the real projection, as their events would.
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, KafkaTestConfiguration.class})
@Provider("persistence-service")
@PactFolder("../pacts")
class HistoryApiProviderPactTests {

    @LocalServerPort
    int port;

    @Autowired
    EventProjection projection;

    @BeforeEach
    void target(PactVerificationContext context) {
        context.setTarget(new HttpTestTarget("localhost", port));
    }

    @TestTemplate
    @ExtendWith(PactVerificationInvocationContextProvider.class)
    void answersAsItsConsumersExpect(PactVerificationContext context, HttpRequest request) {
        boolean internal = request.getPath().startsWith("/internal/");
        request.setHeader(
                "Authorization",
                internal
                        ? "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(("platform:" + ServiceIntegrationTest.PLATFORM_PASSWORD)
                                                .getBytes(StandardCharsets.UTF_8))
                        : "Bearer " + TestTokens.valid("alice"));
        context.verifyInteraction();
    }

    @State("alice's answer m-stored is stored whole: 3 chunks, COMPLETED")
    void storedAnswer() {
        answer("conv-stored", "m-stored", "a question", List.of("chunk-0 ", "chunk-1 ", "chunk-2 "));
    }

    @State("persistence holds no answer m-unknown")
    void noAnswer() {
        // nothing stored under that id, ever
    }

    @State("alice's conversation conv-ctx holds a question and its answer")
    void conversation() {
        answer("conv-ctx", "m-ctx", "What is the capital of France?", List.of("Paris."));
    }

    /** The events of one question and its completed answer, applied once (their ids are fixed). */
    private void answer(String conversationId, String messageId, String question, List<String> chunks) {
        long at = 1_700_000_000_000L;
        apply("MESSAGE_CREATED", conversationId, messageId, at, Map.of("content", question), "created");
        apply("STREAM_STARTED", conversationId, messageId, at + 10, Map.of("model", "simulated"), "started");
        for (int i = 0; i < chunks.size(); i++) {
            apply(
                    "CHUNK_RECEIVED",
                    conversationId,
                    messageId,
                    at + 20 + i,
                    Map.of("index", i, "content", chunks.get(i), "chunkType", "TEXT"),
                    "chunk-" + i);
        }
        apply(
                "STREAM_COMPLETED",
                conversationId,
                messageId,
                at + 100,
                Map.of(
                        "totalChunks",
                        chunks.size(),
                        "finishReason",
                        "STOP",
                        "tokenCount",
                        chunks.size(),
                        "contentSha256",
                        "digest"),
                "completed");
    }

    private void apply(
            String type, String conversationId, String messageId, long at, Map<String, Object> payload, String name) {
        String eventId = UUID.nameUUIDFromBytes((messageId + ":" + name).getBytes(StandardCharsets.UTF_8))
                .toString();
        projection.apply(
                new ChatEvent(eventId, type, 1, messageId, "alice", conversationId, messageId, "pact", at, payload));
    }
}
