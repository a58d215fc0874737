package dev.streamchat.orchestrator.event;

import static org.awaitility.Awaitility.await;

import au.com.dius.pact.provider.PactVerifyProvider;
import au.com.dius.pact.provider.junit5.MessageTestTarget;
import au.com.dius.pact.provider.junit5.PactVerificationContext;
import au.com.dius.pact.provider.junit5.PactVerificationInvocationContextProvider;
import au.com.dius.pact.provider.junitsupport.Provider;
import au.com.dius.pact.provider.junitsupport.loader.PactFolder;
import dev.streamchat.orchestrator.hotlog.HotLog;
import dev.streamchat.orchestrator.hotlog.LogFrame;
import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * orchestrator-service as the provider of the stream events persistence-service and analytics-service read (the
 * chunks, on their own topic, persistence-service only), and of the hot log's entries and the live channel's messages
 * that session-service and recovery-service read. Each
 * event verified is one this running service sent to Kafka for a real generation: a completed one, one whose model
 * failed, a cancelled one, and one whose lease expired (interrupted by the sweeper).
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, RedisTestConfiguration.class, KafkaTestConfiguration.class})
@Provider("orchestrator-service")
@PactFolder("../pacts")
class StreamEventsProviderPactTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    HotLog hotLog;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void target(PactVerificationContext context) {
        context.setTarget(new MessageTestTarget(List.of("dev.streamchat.orchestrator.event")));
    }

    @TestTemplate
    @ExtendWith(PactVerificationInvocationContextProvider.class)
    void sendsWhatItsConsumersExpect(PactVerificationContext context) {
        context.verifyInteraction();
    }

    @PactVerifyProvider("a STREAM_STARTED event")
    String started() {
        return event(completedAnswer(), "STREAM_STARTED");
    }

    @PactVerifyProvider("a CHUNKS_APPENDED event")
    String chunks() {
        return event(completedAnswer(), "CHUNKS_APPENDED", "chat.stream.chunks");
    }

    @PactVerifyProvider("a STREAM_COMPLETED event")
    String completed() {
        return event(completedAnswer(), "STREAM_COMPLETED");
    }

    @PactVerifyProvider("a STREAM_FAILED event")
    String failed() {
        return event(start(Map.of("chunks", 5, "chunkIntervalMs", 0, "failAtChunk", 1)), "STREAM_FAILED");
    }

    @PactVerifyProvider("a STREAM_CANCELLED event")
    String cancelled() {
        String messageId = start(Map.of("chunks", 200, "chunkIntervalMs", 50));
        event(messageId, "CHUNKS_APPENDED", "chat.stream.chunks");
        send(Map.of(
                "commandId",
                UUID.randomUUID().toString(),
                "commandType",
                "CancelStream",
                "messageId",
                messageId,
                "userId",
                "alice",
                "conversationId",
                "conv-" + messageId,
                "timestamp",
                System.currentTimeMillis()));
        return event(messageId, "STREAM_CANCELLED");
    }

    @PactVerifyProvider("a STREAM_INTERRUPTED event")
    String interrupted() {
        // what an instance killed mid-stream leaves: its row, its meta, chunks in the log, a lease nobody renews
        String messageId = UUID.randomUUID().toString();
        jdbc.sql("""
                insert into stream_sessions
                    (message_id, request_id, user_id, conversation_id, node_id, provider, model, status)
                values (?, ?, 'alice', ?, 'orchestrator-gone', 'simulated', 'simulated', 'STREAMING')""").params(messageId, "req-" + messageId, "conv-" + messageId).update();
        hotLog.createMeta(
                messageId,
                Map.of("userId", "alice", "conversationId", "conv-" + messageId, "status", "STREAMING"),
                Duration.ofMinutes(5));
        for (int i = 0; i < 5; i++) {
            hotLog.append(
                    LogFrame.chunk(messageId, i, "part-" + i + " ", "TEXT", (1000L + i) * 1000),
                    HotLog.GENERATION,
                    Duration.ofMinutes(5));
        }
        redis.opsForZSet().add("chat:leases", messageId, System.currentTimeMillis() - 1);
        return event(messageId, "STREAM_INTERRUPTED");
    }

    @PactVerifyProvider("a hot-log chunk entry")
    String chunkEntry() {
        return entries(completedAnswer()).getFirst();
    }

    @PactVerifyProvider("a hot-log COMPLETE entry")
    String completeEntry() {
        return entries(completedAnswer()).getLast();
    }

    @PactVerifyProvider("a hot-log ERROR entry")
    String errorEntry() {
        return entries(start(Map.of("chunks", 5, "chunkIntervalMs", 0, "failAtChunk", 1)))
                .getLast();
    }

    @PactVerifyProvider("a live message of chunks")
    String liveMessage() throws Exception {
        String messageId = UUID.randomUUID().toString();
        var first = new CompletableFuture<String>();
        var container = new RedisMessageListenerContainer();
        container.setConnectionFactory(redis.getConnectionFactory());
        container.addMessageListener(
                (message, pattern) -> first.complete(new String(message.getBody(), StandardCharsets.UTF_8)),
                ChannelTopic.of(HotLog.liveChannel(messageId)));
        container.afterPropertiesSet();
        container.start();
        try {
            // subscribed before the answer starts, so its first live message is not missed
            await().atMost(WAIT).until(container::isListening);
            start(messageId, Map.of("chunks", 3, "chunkIntervalMs", 0));
            return first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            container.stop();
            container.destroy();
        }
    }

    /** Every entry of the message's hot log once it has ended, as stored. */
    private List<String> entries(String messageId) {
        var entries = new java.util.ArrayList<String>();
        await().atMost(WAIT).until(() -> {
            entries.clear();
            redis.opsForStream()
                    .range(HotLog.logKey(messageId), Range.unbounded())
                    .forEach(entry -> entries.add(entry.getValue().get("frame").toString()));
            return !entries.isEmpty() && !entries.getLast().contains("\"kind\":\"CHUNK\"");
        });
        return entries;
    }

    private static String completed;

    /** One answer of three chunks, started once for the interactions that read its events. */
    private static synchronized String completedAnswer() {
        if (completed == null) {
            completed = start(Map.of("chunks", 3, "chunkIntervalMs", 0));
        }
        return completed;
    }

    private static String start(Map<String, Object> options) {
        return start(UUID.randomUUID().toString(), options);
    }

    private static String start(String messageId, Map<String, Object> options) {
        var command = new LinkedHashMap<String, Object>();
        command.put("commandId", UUID.randomUUID().toString());
        command.put("commandType", "StartStream");
        command.put("messageId", messageId);
        command.put("userId", "alice");
        command.put("conversationId", "conv-" + messageId);
        command.put("requestId", "req-" + messageId);
        command.put("sessionId", "session-1");
        command.put("nodeId", "session-service-test");
        command.put("content", "a question");
        command.put("options", options);
        command.put("timestamp", System.currentTimeMillis());
        send(command);
        return messageId;
    }

    private static void send(Map<String, Object> command) {
        try (var producer = KafkaTestClients.producer(TestInfrastructure.kafka().bootstrapServers())) {
            producer.send(new ProducerRecord<>(
                            "chat.requests",
                            command.get("conversationId").toString(),
                            JSON.writeValueAsString(command)))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String event(String messageId, String eventType) {
        return event(messageId, eventType, "chat.stream.events");
    }

    private static String event(String messageId, String eventType, String topic) {
        return KafkaTestClients.awaitRecord(
                TestInfrastructure.kafka().bootstrapServers(),
                json -> json.path("messageId").asString().equals(messageId)
                        && json.path("eventType").asString().equals(eventType),
                WAIT,
                topic);
    }
}
