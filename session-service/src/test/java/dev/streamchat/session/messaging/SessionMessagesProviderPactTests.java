package dev.streamchat.session.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import au.com.dius.pact.provider.PactVerifyProvider;
import au.com.dius.pact.provider.junit5.MessageTestTarget;
import au.com.dius.pact.provider.junit5.PactVerificationContext;
import au.com.dius.pact.provider.junit5.PactVerificationInvocationContextProvider;
import au.com.dius.pact.provider.junitsupport.Provider;
import au.com.dius.pact.provider.junitsupport.loader.PactFolder;
import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.ProtocolClient;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.JsonNode;

/**
 * session-service as the provider of the messages its consumers' pacts describe: the commands orchestrator-service
 * reads, the question persistence-service stores, the session events analytics-service reads. Each message verified
 * is one this running service really sent to Kafka, for a real client's frames.
 */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
@Provider("session-service")
@PactFolder("../pacts")
class SessionMessagesProviderPactTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    StringRedisTemplate redis;

    @LocalServerPort
    int port;

    @BeforeEach
    void target(PactVerificationContext context) {
        context.setTarget(new MessageTestTarget(List.of("dev.streamchat.session.messaging")));
    }

    @TestTemplate
    @ExtendWith(PactVerificationInvocationContextProvider.class)
    void sendsWhatItsConsumersExpect(PactVerificationContext context) {
        context.verifyInteraction();
    }

    @PactVerifyProvider("a StartStream command")
    String startStream() {
        return conversation().startStream();
    }

    @PactVerifyProvider("a CancelStream command")
    String cancelStream() {
        return conversation().cancelStream();
    }

    @PactVerifyProvider("a MESSAGE_CREATED event")
    String messageCreated() {
        return conversation().messageCreated();
    }

    @PactVerifyProvider("a CONNECTED event")
    String connected() {
        return conversation().connected();
    }

    @PactVerifyProvider("a DISCONNECTED event")
    String disconnected() {
        return conversation().disconnected();
    }

    @PactVerifyProvider("a RECOVERED event")
    String recovered() {
        return conversation().recovered();
    }

    private static Recorded recorded;

    /** One client's question and cancel, and the records they made, once for all interactions. */
    private synchronized Recorded conversation() {
        if (recorded == null) {
            recorded = record();
        }
        return recorded;
    }

    private Recorded record() {
        String sessionId = "pact-" + UUID.randomUUID();
        String messageId;
        var uri = URI.create("ws://localhost:" + port + "/ws/chat?sessionId=" + sessionId);
        try (var client = ProtocolClient.connect(uri, TestTokens.valid("alice"))) {
            client.next();
            client.send(Map.of(
                    "type",
                    "CHAT_REQUEST",
                    "requestId",
                    "r-" + UUID.randomUUID(),
                    "content",
                    "What is the capital of France?",
                    "options",
                    Map.of("chunks", 3)));
            JsonNode started = client.next();
            assertThat(ProtocolClient.type(started)).isEqualTo("STREAM_STARTED");
            messageId = started.path("messageId").asString();
            client.send(Map.of("type", "CANCEL_STREAM", "messageId", messageId));
            await("chat.requests", command(messageId, "CancelStream"));
            // what the orchestrator would have written by now, and a resume of it from the hot log
            redis.opsForHash().putAll("chat:meta:" + messageId, Map.of("userId", "alice", "status", "STREAMING"));
            redis.opsForStream()
                    .add(MapRecord.create(
                                    "chat:log:" + messageId,
                                    Map.of(
                                            "frame",
                                            "{\"kind\":\"CHUNK\",\"messageId\":\"" + messageId
                                                    + "\",\"index\":0,\"timestamp\":1,\"content\":\"Paris\","
                                                    + "\"chunkType\":\"TEXT\"}"))
                            .withId(RecordId.of("0-1")));
            client.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", -1));
            assertThat(client.next().path("status").asString()).isEqualTo("RECOVERED");
        }
        return new Recorded(
                await("chat.requests", command(messageId, "StartStream")),
                await("chat.requests", command(messageId, "CancelStream")),
                await("chat.message.events", event("MESSAGE_CREATED", "messageId", messageId)),
                await("chat.session.events", event("CONNECTED", "aggregateId", sessionId)),
                await("chat.session.events", event("DISCONNECTED", "aggregateId", sessionId)),
                await("chat.session.events", event("RECOVERED", "messageId", messageId)));
    }

    private static Predicate<JsonNode> command(String messageId, String type) {
        return json -> json.path("commandType").asString().equals(type)
                && json.path("messageId").asString().equals(messageId);
    }

    private static Predicate<JsonNode> event(String type, String field, String value) {
        return json -> json.path("eventType").asString().equals(type)
                && json.path(field).asString().equals(value);
    }

    private static String await(String topic, Predicate<JsonNode> wanted) {
        return KafkaTestClients.awaitRecord(TestInfrastructure.kafka().bootstrapServers(), wanted, WAIT, topic);
    }

    private record Recorded(
            String startStream,
            String cancelStream,
            String messageCreated,
            String connected,
            String disconnected,
            String recovered) {}
}
