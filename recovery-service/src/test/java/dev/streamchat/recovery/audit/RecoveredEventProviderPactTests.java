package dev.streamchat.recovery.audit;

import au.com.dius.pact.provider.PactVerifyProvider;
import au.com.dius.pact.provider.junit5.MessageTestTarget;
import au.com.dius.pact.provider.junit5.PactVerificationContext;
import au.com.dius.pact.provider.junit5.PactVerificationInvocationContextProvider;
import au.com.dius.pact.provider.junitsupport.Consumer;
import au.com.dius.pact.provider.junitsupport.Provider;
import au.com.dius.pact.provider.junitsupport.loader.PactFolder;
import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * recovery-service as the provider of {@code RECOVERED} for analytics-service's pact: the event verified is the one
 * this running service sent to Kafka after a real recovery from the hot log.
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, RedisTestConfiguration.class, KafkaTestConfiguration.class})
@Provider("recovery-service")
@Consumer("analytics-service")
@PactFolder("../pacts")
class RecoveredEventProviderPactTests {

    @LocalServerPort
    int port;

    @Autowired
    StringRedisTemplate redis;

    @BeforeEach
    void target(PactVerificationContext context) {
        context.setTarget(new MessageTestTarget(List.of("dev.streamchat.recovery.audit")));
    }

    @TestTemplate
    @ExtendWith(PactVerificationInvocationContextProvider.class)
    void sendsWhatItsConsumersExpect(PactVerificationContext context) {
        context.verifyInteraction();
    }

    @PactVerifyProvider("a RECOVERED event")
    String recovered() throws Exception {
        String messageId = UUID.randomUUID().toString();
        redis.opsForHash().putAll("chat:meta:" + messageId, Map.of("userId", "alice", "conversationId", "c1"));
        for (int i = 0; i < 3; i++) {
            redis.opsForStream()
                    .add(StreamRecords.string(Map.of(
                                    "frame",
                                    "{\"kind\":\"CHUNK\",\"messageId\":\"" + messageId + "\",\"index\":" + i
                                            + ",\"timestamp\":1000,\"content\":\"chunk \",\"chunkType\":\"TEXT\"}"))
                            .withStreamKey("chat:log:" + messageId)
                            .withId(RecordId.of("0-" + (i + 1))));
        }
        var response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/recovery"))
                                .header("Content-Type", "application/json")
                                .header("Authorization", "Bearer " + TestTokens.valid("alice"))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"sessionId\":\"s-1\",\"messageId\":\""
                                        + messageId + "\",\"lastChunkIndex\":0}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("recovery answered " + response.statusCode() + ": " + response.body());
        }
        return KafkaTestClients.awaitRecord(
                TestInfrastructure.kafka().bootstrapServers(),
                json -> json.path("eventType").asString().equals("RECOVERED")
                        && json.path("messageId").asString().equals(messageId),
                Duration.ofSeconds(20),
                "chat.session.events");
    }
}
