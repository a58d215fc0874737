package dev.streamchat.recovery.resume;

import au.com.dius.pact.provider.junit5.HttpTestTarget;
import au.com.dius.pact.provider.junit5.PactVerificationContext;
import au.com.dius.pact.provider.junit5.PactVerificationInvocationContextProvider;
import au.com.dius.pact.provider.junitsupport.Consumer;
import au.com.dius.pact.provider.junitsupport.Provider;
import au.com.dius.pact.provider.junitsupport.State;
import au.com.dius.pact.provider.junitsupport.loader.PactFolder;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestTokens;
import java.util.Map;
import java.util.Set;
import org.apache.hc.core5.http.HttpRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * recovery-service as the provider of {@code POST /api/recovery} for session-service's pact: the provider states write
 * hot logs the way orchestrator-service does, and every request carries a real token of the caller (alice).
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, RedisTestConfiguration.class, KafkaTestConfiguration.class})
@Provider("recovery-service")
@Consumer("session-service")
@PactFolder("../pacts")
class RecoveryApiProviderPactTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @Autowired
    StringRedisTemplate redis;

    @BeforeEach
    void target(PactVerificationContext context) {
        context.setTarget(new HttpTestTarget("localhost", port));
    }

    @TestTemplate
    @ExtendWith(PactVerificationInvocationContextProvider.class)
    void answersAsItsConsumersExpect(PactVerificationContext context, HttpRequest request) {
        request.setHeader("Authorization", "Bearer " + TestTokens.valid("alice"));
        context.verifyInteraction();
    }

    @State("alice's answer m-live streams, chunks 0 to 2 in the hot log")
    void liveAnswer() {
        hotLog("m-live", "alice", 3, false);
    }

    @State("alice's answer m-done ended, chunks 0 to 2 and COMPLETE in the hot log")
    void endedAnswer() {
        hotLog("m-done", "alice", 3, true);
    }

    @State("bob's answer m-bob streams in the hot log")
    void someoneElsesAnswer() {
        hotLog("m-bob", "bob", 3, false);
    }

    private void hotLog(String messageId, String userId, int chunks, boolean ended) {
        redis.delete(Set.of("chat:meta:" + messageId, "chat:log:" + messageId));
        redis.opsForHash().putAll("chat:meta:" + messageId, Map.of("userId", userId, "conversationId", "c1"));
        for (int i = 0; i < chunks; i++) {
            append(messageId, i, Frame.chunk(messageId, i, (1000L + i) * 1000, "chunk-" + i + " ", "TEXT"));
        }
        if (ended) {
            append(messageId, chunks, Frame.complete(messageId, chunks, 2000L, "STOP", chunks, "digest"));
            redis.opsForHash().put("chat:meta:" + messageId, "totalChunks", Integer.toString(chunks));
        }
    }

    private void append(String messageId, int index, Frame frame) {
        redis.opsForStream()
                .add(StreamRecords.string(Map.of("frame", JSON.writeValueAsString(frame)))
                        .withStreamKey("chat:log:" + messageId)
                        .withId(RecordId.of("0-" + (index + 1))));
    }
}
