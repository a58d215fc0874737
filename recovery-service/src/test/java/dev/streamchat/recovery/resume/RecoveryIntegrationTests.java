package dev.streamchat.recovery.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import dev.streamchat.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/recovery} on real Redis, PostgreSQL and Kafka, with hot logs written the way orchestrator-service
 * writes them. persistence-service is not running here: the database tier is covered end to end (e2e-tests).
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, RedisTestConfiguration.class, KafkaTestConfiguration.class})
@TestPropertySource(properties = {"streamchat.recovery.max-frames=4", "streamchat.recovery.lock-wait=300ms"})
class RecoveryIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static KafkaConsumer<String, String> sessionEvents;

    @LocalServerPort
    int port;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    RedissonClient redisson;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void consumer() {
        sessionEvents = KafkaTestClients.consumer(TestInfrastructure.kafka().bootstrapServers(), "chat.session.events");
    }

    @AfterAll
    static void closeConsumer() {
        sessionEvents.close();
    }

    @Test
    void aLiveAnswerIsRecoveredFromTheHotLogAfterTheDeclaredIndexAuditedAndAnnounced() throws Exception {
        String messageId = hotLog("alice", 7, false);

        JsonNode answer = recover("alice", "session-a1", messageId, 3).body();

        assertThat(answer.path("status").asString()).isEqualTo("RECOVERED");
        assertThat(answer.path("tier").asString()).isEqualTo("hot-log");
        assertThat(answer.path("fromIndex").asInt()).isEqualTo(4);
        assertThat(answer.path("missing").asInt()).isEqualTo(-1);
        assertThat(indexes(answer)).containsExactly(4, 5, 6);
        assertThat(answer.path("frames").get(0).path("content").asString()).isEqualTo("chunk-4 ");
        assertThat(answer.path("nextIndex").isNull()).isTrue();

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                jdbc.sql("""
                                select tier, status, from_index, chunks, user_id, session_id
                                from recovery_audit where message_id = ?""").param(messageId).query().listOfRows())
                        .singleElement()
                        .satisfies(row -> {
                            assertThat(row.get("tier")).isEqualTo("hot-log");
                            assertThat(row.get("status")).isEqualTo("RECOVERED");
                            assertThat(row.get("from_index")).isEqualTo(4);
                            assertThat(row.get("chunks")).isEqualTo(3);
                            assertThat(row.get("user_id")).isEqualTo("alice");
                            assertThat(row.get("session_id")).isEqualTo("session-a1");
                        }));
        var recovered = new ArrayList<JsonNode>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            sessionEvents.poll(Duration.ofMillis(200)).forEach(record -> {
                JsonNode event = JSON.readTree(record.value());
                if (messageId.equals(event.path("messageId").asString())) {
                    recovered.add(event);
                }
            });
            return !recovered.isEmpty();
        });
        JsonNode event = recovered.getFirst();
        assertThat(event.path("eventType").asString()).isEqualTo("RECOVERED");
        assertThat(event.path("userId").asString()).isEqualTo("alice");
        assertThat(event.path("payload").path("tier").asString()).isEqualTo("hot-log");
        assertThat(event.path("payload").path("chunks").asInt()).isEqualTo(3);
    }

    @Test
    void aResumeASessionNodeServedIsAuditedOnceFromItsRecoveredEventAndNoOtherEventIs() throws Exception {
        String messageId = UUID.randomUUID().toString();
        String marker = UUID.randomUUID().toString();
        var served = recovered(messageId, "session-service");
        try (var producer = KafkaTestClients.producer(TestInfrastructure.kafka().bootstrapServers())) {
            // the same event twice, one this service announced itself, then another served one: all one partition
            for (var event :
                    List.of(served, served, recovered(messageId, null), recovered(marker, "session-service"))) {
                producer.send(new ProducerRecord<>("chat.session.events", "session-s1", JSON.writeValueAsString(event)))
                        .get();
            }
        }

        await().atMost(Duration.ofSeconds(20))
                .until(() -> jdbc.sql("select count(*) from recovery_audit where message_id = ?")
                                .param(marker)
                                .query(Long.class)
                                .single()
                        == 1);
        assertThat(jdbc.sql("""
                        select tier, status, from_index, chunks, latency_micros, user_id, session_id, event_id
                          from recovery_audit where message_id = ?""").param(messageId).query().listOfRows())
                .singleElement()
                .satisfies(row -> {
                    assertThat(row).containsEntry("tier", "hot-log").containsEntry("status", "RECOVERED");
                    assertThat(row).containsEntry("from_index", 5).containsEntry("chunks", 12);
                    assertThat(row).containsEntry("latency_micros", 900L).containsEntry("user_id", "alice");
                    assertThat(row)
                            .containsEntry("session_id", "session-s1")
                            .containsEntry("event_id", served.get("eventId"));
                });
    }

    private static Map<String, Object> recovered(String messageId, String servedBy) {
        var payload = new java.util.HashMap<String, Object>(Map.of(
                "sessionId",
                "session-s1",
                "fromIndex",
                5,
                "status",
                "RECOVERED",
                "chunks",
                12,
                "latencyMicros",
                900,
                "tier",
                "hot-log"));
        if (servedBy != null) {
            payload.put("servedBy", servedBy);
        }
        var event = new java.util.HashMap<String, Object>();
        event.put("eventId", UUID.randomUUID().toString());
        event.put("eventType", "RECOVERED");
        event.put("schemaVersion", 1);
        event.put("aggregateId", "session-s1");
        event.put("userId", "alice");
        event.put("messageId", messageId);
        event.put("nodeId", servedBy == null ? "recovery-service" : "session-service-1");
        event.put("timestamp", System.currentTimeMillis());
        event.put("payload", payload);
        return event;
    }

    @Test
    void anEndedAnswerComesInPagesUpToItsTerminalEntryAsCompleted() throws Exception {
        String messageId = hotLog("alice", 6, true);

        JsonNode first = recover("alice", "session-a2", messageId, -1).body();
        assertThat(first.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(first.path("missing").asInt()).isEqualTo(6);
        assertThat(indexes(first)).containsExactly(0, 1, 2, 3);
        assertThat(first.path("nextIndex").asInt()).isEqualTo(4);

        JsonNode rest = recover("alice", "session-a2", messageId, 3).body();
        assertThat(rest.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(indexes(rest)).containsExactly(4, 5, 6);
        JsonNode terminal = rest.path("frames").get(2);
        assertThat(terminal.path("kind").asString()).isEqualTo("COMPLETE");
        assertThat(terminal.path("totalChunks").asInt()).isEqualTo(6);
        assertThat(rest.path("nextIndex").isNull()).isTrue();

        assertThat(recover("alice", "session-a2", messageId, 6).statusCode()).isEqualTo(400);
    }

    @Test
    void anotherUsersAnswerIsNotFoundWithNoByteOfItsContent() throws Exception {
        String messageId = hotLog("alice", 3, false);

        var response = recover("mallory", "session-m1", messageId, -1);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body().path("status").asString()).isEqualTo("NOT_FOUND");
        assertThat(response.body().path("frames").isEmpty()).isTrue();
        assertThat(response.body().toString()).doesNotContain("chunk-");
    }

    @Test
    void anAnswerTheHotLogLacksIsAnErrorNotANotFoundWhilePersistenceCannotBeAsked() throws Exception {
        // no persistence-service instance is registered here: the database tier cannot answer
        JsonNode answer = recover("alice", "session-a3", "unknown-" + UUID.randomUUID(), -1)
                .body();

        assertThat(answer.path("status").asString()).isEqualTo("ERROR");
        assertThat(answer.path("frames").isEmpty()).isTrue();
    }

    @Test
    void aHotLogThatLostItsStartIsNotAnAnswerFromThere() throws Exception {
        // Redis restarted mid-answer: the orchestrator went on from chunk 3 into an empty log
        String messageId = hotLog("alice", 0, false);
        for (int i = 3; i < 6; i++) {
            append(messageId, i, Frame.chunk(messageId, i, (1000L + i) * 1000, "chunk-" + i + " ", "TEXT"));
        }

        JsonNode fromStart = recover("alice", "session-a4", messageId, -1).body();
        JsonNode fromHeld = recover("alice", "session-a5", messageId, 3).body();

        // no persistence-service here: the database tier, the one that holds chunks 0..2, cannot be asked
        assertThat(fromStart.path("status").asString()).isEqualTo("ERROR");
        assertThat(fromStart.path("frames").isEmpty()).isTrue();
        assertThat(fromHeld.path("status").asString()).isEqualTo("RECOVERED");
        assertThat(indexes(fromHeld)).containsExactly(4, 5);
    }

    @Test
    void aCompletedAnswerInTheSharedCacheIsServedOnlyToItsOwnerThenFromTheLocalCache() throws Exception {
        String messageId = "cached-" + UUID.randomUUID();
        var frames = List.of(
                Frame.chunk(messageId, 0, 1000L, "kept ", "TEXT"),
                Frame.chunk(messageId, 1, 2000L, "whole", "TEXT"),
                Frame.complete(messageId, 2, 3L, "STOP", 2, "digest"));
        redis.opsForValue()
                .set(
                        "chat:recovery:completed:" + messageId,
                        JSON.writeValueAsString(new CompletedAnswer("alice", frames)),
                        Duration.ofMinutes(5));
        double l2Hits = hits("l2");
        double l1Hits = hits("l1");

        assertThat(recover("mallory", "session-m2", messageId, -1)
                        .body()
                        .path("status")
                        .asString())
                .isEqualTo("NOT_FOUND");
        JsonNode answer = recover("alice", "session-a4", messageId, 0).body();
        assertThat(answer.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(answer.path("tier").asString()).isEqualTo("cache");
        assertThat(indexes(answer)).containsExactly(1, 2);

        assertThat(hits("l2")).isEqualTo(l2Hits + 1);
        assertThat(hits("l1")).isEqualTo(l1Hits + 1);
    }

    @Test
    void aSecondRecoveryOfTheSameSessionAndMessageWaitsForTheFirst() throws Exception {
        String messageId = hotLog("alice", 2, false);
        var lock = redisson.getLock("chat:recovery:lock:session-a5:" + messageId);
        lock.lock(5, TimeUnit.SECONDS);
        try {
            assertThat(recover("alice", "session-a5", messageId, -1)
                            .body()
                            .path("status")
                            .asString())
                    .isEqualTo("ERROR");
            assertThat(recover("alice", "session-other", messageId, -1)
                            .body()
                            .path("status")
                            .asString())
                    .isEqualTo("RECOVERED");
        } finally {
            lock.unlock();
        }
        assertThat(recover("alice", "session-a5", messageId, -1)
                        .body()
                        .path("status")
                        .asString())
                .isEqualTo("RECOVERED");
    }

    @Test
    void badRequestsAreProblemsAndChangeNothing() throws Exception {
        String messageId = hotLog("alice", 2, false);
        for (String body : List.of(
                "{\"sessionId\":\"s1\",\"lastChunkIndex\":0}",
                "{\"sessionId\":\"s1\",\"messageId\":\"" + messageId + "\",\"lastChunkIndex\":-2}",
                "{\"sessionId\":\"s 1\",\"messageId\":\"" + messageId + "\",\"lastChunkIndex\":0}",
                "{not json",
                "[]")) {
            var response = post(body, TestTokens.valid("alice"));
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.body().path("title").asString()).as(body).isEqualTo("Bad request");
        }
        assertThat(post("{}", null).statusCode()).isEqualTo(401);
        assertThat(post("{}", TestTokens.expired("alice")).statusCode()).isEqualTo(401);
        assertThat(post("{}", TestTokens.signedWithAnotherKey("alice")).statusCode())
                .isEqualTo(401);
        assertThat(jdbc.sql("select count(*) from recovery_audit where message_id = ?")
                        .param(messageId)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void theOpenApiDescriptionNamesTheEndpointForThePlatformOnly() throws Exception {
        var docs = URI.create("http://localhost:" + port + "/v3/api-docs");
        var anonymous = HTTP.send(
                HttpRequest.newBuilder(docs).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        String credentials = java.util.Base64.getEncoder()
                .encodeToString(("platform:" + ServiceIntegrationTest.PLATFORM_PASSWORD).getBytes());
        var described = HTTP.send(
                HttpRequest.newBuilder(docs)
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Basic " + credentials)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(described.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(described.body()).path("paths").has("/api/recovery"))
                .isTrue();
    }

    /** Writes a hot log as orchestrator-service does: meta, chunks 0..n-1, and the terminal entry when ended. */
    private String hotLog(String userId, int chunks, boolean ended) {
        String messageId = UUID.randomUUID().toString();
        redis.opsForHash().putAll("chat:meta:" + messageId, Map.of("userId", userId, "conversationId", "c1"));
        for (int i = 0; i < chunks; i++) {
            append(messageId, i, Frame.chunk(messageId, i, (1000L + i) * 1000, "chunk-" + i + " ", "TEXT"));
        }
        if (ended) {
            append(messageId, chunks, Frame.complete(messageId, chunks, 2000L, "STOP", chunks, "digest"));
            redis.opsForHash().put("chat:meta:" + messageId, "totalChunks", Integer.toString(chunks));
        }
        return messageId;
    }

    private void append(String messageId, int index, Frame frame) {
        redis.opsForStream()
                .add(StreamRecords.string(Map.of("frame", JSON.writeValueAsString(frame)))
                        .withStreamKey("chat:log:" + messageId)
                        .withId(RecordId.of("0-" + (index + 1))));
    }

    private double hits(String level) {
        var counter = meters.find("streamchat.recovery.cache.requests")
                .tags("cache", "completed", "level", level, "result", "hit")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static List<Integer> indexes(JsonNode answer) {
        var indexes = new ArrayList<Integer>();
        answer.path("frames").forEach(frame -> indexes.add(frame.path("index").asInt()));
        return indexes;
    }

    private Reply recover(String userId, String sessionId, String messageId, int lastChunkIndex) throws Exception {
        return post(
                JSON.writeValueAsString(
                        Map.of("sessionId", sessionId, "messageId", messageId, "lastChunkIndex", lastChunkIndex)),
                TestTokens.valid(userId));
    }

    private Reply post(String body, String token) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/recovery"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(
                response.statusCode(),
                response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body()));
    }

    private record Reply(int statusCode, JsonNode body) {}
}
