package dev.streamchat.analytics.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers told by their events on a real broker, counted into PostgreSQL, read back through the API as their users
 * (and an admin) see them, and in Prometheus.
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, KafkaTestConfiguration.class})
class AnalyticsIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static KafkaProducer<String, String> producer;

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    HourlyRollup rollup;

    @BeforeAll
    static void producer() {
        producer = KafkaTestClients.producer(TestInfrastructure.kafka().bootstrapServers());
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    @Test
    void countsEachAnswerOnceWithItsLatenciesTokensErrorsAndRecoveries() throws Exception {
        String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
        String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
        Instant start = Instant.now().minus(10, ChronoUnit.MINUTES);
        var events = new ArrayList<Map<String, Object>>();
        // alice: two answers (first chunk after 100 and 300 ms, 50 tokens in 1 s), one failure, one recovery
        String fast = answer(events, alice, "model-x", start, 100, 1000, 50, "STREAM_COMPLETED");
        answer(events, alice, "model-x", start.plusSeconds(5), 300, 2000, 100, "STREAM_COMPLETED");
        answer(events, alice, "model-y", start.plusSeconds(10), 200, 500, 0, "STREAM_FAILED");
        events.add(event(
                "RECOVERED",
                alice,
                fast,
                start.plusSeconds(1),
                Map.of("tier", "hot-log", "status", "RECOVERED", "chunks", 7, "latencyMicros", 4000)));
        // bob: one answer
        answer(events, bob, "model-x", start.plusSeconds(20), 400, 1000, 10, "STREAM_COMPLETED");
        events.forEach(AnalyticsIntegrationTests::publish);
        events.forEach(AnalyticsIntegrationTests::publish);

        await().atMost(Duration.ofSeconds(30)).until(() -> ended(alice) == 3 && ended(bob) == 1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jdbc.sql("select recoveries from message_analytics where message_id = ?")
                                .param(fast)
                                .query(Integer.class)
                                .single()
                        == 1);

        JsonNode mine = get(
                        "/api/analytics/summary?from=" + start.minusSeconds(60) + "&to=" + Instant.now(),
                        TestTokens.valid(alice))
                .body();
        assertThat(mine.path("scope").asString()).isEqualTo("user");
        JsonNode x = group(mine.path("models"), "model-x");
        assertThat(x.path("answers").asLong()).isEqualTo(2);
        assertThat(x.path("errors").asLong()).isZero();
        assertThat(x.path("ttfcP50Ms").asDouble()).isEqualTo(200.0);
        assertThat(x.path("tokensPerSecond").asDouble()).isEqualTo(50.0);
        assertThat(x.path("recoveries").asLong()).isEqualTo(1);
        assertThat(x.path("recoveryLatencyMs").asDouble()).isEqualTo(4.0);
        JsonNode y = group(mine.path("models"), "model-y");
        assertThat(y.path("errors").asLong()).isEqualTo(1);
        assertThat(y.path("errorRate").asDouble()).isEqualTo(1.0);
        assertThat(mine.path("users")).hasSize(1);
        assertThat(mine.path("users").get(0).path("key").asString()).isEqualTo(alice);
        assertThat(mine.toString()).doesNotContain(bob);

        JsonNode everyone = get(
                        "/api/analytics/summary?from=" + start.minusSeconds(60) + "&to=" + Instant.now(),
                        TestTokens.withRoles("ops", "admin"))
                .body();
        assertThat(everyone.path("scope").asString()).isEqualTo("all");
        assertThat(group(everyone.path("users"), bob).path("answers").asLong()).isEqualTo(1);
        assertThat(group(everyone.path("models"), "model-x").path("answers").asLong())
                .isGreaterThanOrEqualTo(3);

        rollup.rollUp(start.minus(1, ChronoUnit.HOURS));
        JsonNode hours = get(
                        "/api/analytics/timeseries?from=" + start.minus(2, ChronoUnit.HOURS) + "&to="
                                + Instant.now().plus(1, ChronoUnit.HOURS),
                        TestTokens.valid(alice))
                .body();
        assertThat(hours).isNotEmpty();
        int answers = 0;
        for (JsonNode hour : hours) {
            assertThat(hour.path("key").asString()).isEqualTo(alice);
            answers += hour.path("answers").asInt();
        }
        assertThat(answers).isEqualTo(3);

        String metrics = platformGet("/actuator/prometheus");
        assertThat(metrics)
                .contains(
                        "streamchat_analytics_answers_total{application=\"analytics-service\",model=\"model-x\",status=\"COMPLETED\"}")
                .contains(
                        "streamchat_analytics_recoveries_seconds_count{application=\"analytics-service\",status=\"RECOVERED\",tier=\"hot-log\"}")
                .doesNotContain(alice);
    }

    @Test
    void aPoisonRecordGoesToTheDeadLetterTopicAndTheNextOnesAreStillCounted() throws Exception {
        String carol = "carol-" + UUID.randomUUID().toString().substring(0, 8);
        String poison = "{not json " + UUID.randomUUID();
        producer.send(new ProducerRecord<>("chat.stream.events", "poison", poison))
                .get();
        var events = new ArrayList<Map<String, Object>>();
        answer(events, carol, "model-z", Instant.now().minusSeconds(30), 50, 100, 5, "STREAM_COMPLETED");
        events.forEach(AnalyticsIntegrationTests::publish);

        await().atMost(Duration.ofSeconds(60)).until(() -> ended(carol) == 1);
        try (var consumer = KafkaTestClients.consumer(
                TestInfrastructure.kafka().bootstrapServers(), "chat.stream.events.analytics-service.dlt")) {
            var found = new ArrayList<String>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(300)).forEach(record -> found.add(record.value()));
                return found.contains(poison);
            });
        }
    }

    @Test
    void badRangesAreProblemsAndTokensAreRequired() throws Exception {
        for (String query : List.of(
                "?from=yesterday",
                "?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                "?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z")) {
            var response = get("/api/analytics/summary" + query, TestTokens.valid("alice"));
            assertThat(response.status()).as(query).isEqualTo(400);
            assertThat(response.body().path("title").asString()).isEqualTo("Bad request");
        }
        assertThat(get("/api/analytics/summary", null).status()).isEqualTo(401);
        assertThat(get("/api/analytics/timeseries", TestTokens.expired("alice")).status())
                .isEqualTo(401);
    }

    /** The events of one answer: started, then its terminal event; returns its message id. */
    private static String answer(
            List<Map<String, Object>> events,
            String userId,
            String model,
            Instant startedAt,
            long firstChunkAfterMs,
            long durationMs,
            int tokens,
            String terminal) {
        String messageId = UUID.randomUUID().toString();
        events.add(event("STREAM_STARTED", userId, messageId, startedAt, Map.of("model", model, "provider", "test")));
        var payload = new HashMap<String, Object>();
        payload.put("totalChunks", 10);
        payload.put("tokenCount", tokens);
        payload.put("durationMs", durationMs);
        payload.put("firstChunkAt", startedAt.toEpochMilli() + firstChunkAfterMs);
        if (terminal.equals("STREAM_FAILED")) {
            payload.put("code", "PROVIDER_UNAVAILABLE");
        } else {
            payload.put("finishReason", "STOP");
        }
        events.add(event(terminal, userId, messageId, startedAt.plusMillis(durationMs), payload));
        return messageId;
    }

    private static Map<String, Object> event(
            String type, String userId, String messageId, Instant at, Map<String, Object> payload) {
        var event = new HashMap<String, Object>();
        event.put(
                "eventId", UUID.nameUUIDFromBytes((messageId + type).getBytes()).toString());
        event.put("eventType", type);
        event.put("schemaVersion", 1);
        event.put("aggregateId", messageId);
        event.put("userId", userId);
        event.put("conversationId", "conv-" + messageId);
        event.put("messageId", messageId);
        event.put("nodeId", "test");
        event.put("timestamp", at.toEpochMilli());
        event.put("payload", payload);
        return event;
    }

    private static void publish(Map<String, Object> event) {
        String topic = event.get("eventType").equals("RECOVERED") ? "chat.session.events" : "chat.stream.events";
        try {
            producer.send(new ProducerRecord<>(
                            topic, event.get("conversationId").toString(), JSON.writeValueAsString(event)))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long ended(String userId) {
        return jdbc.sql("select count(*) from message_analytics where user_id = ? and ended_at is not null")
                .param(userId)
                .query(Long.class)
                .single();
    }

    private static JsonNode group(JsonNode groups, String key) {
        for (JsonNode group : groups) {
            if (group.path("key").asString().equals(key)) {
                return group;
            }
        }
        throw new AssertionError("no group " + key + " in " + groups);
    }

    private Reply get(String path, String token) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        var response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(
                response.statusCode(),
                response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body()));
    }

    private String platformGet(String path) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                .header(
                                        "Authorization",
                                        "Basic "
                                                + Base64.getEncoder()
                                                        .encodeToString(
                                                                ("platform:" + ServiceIntegrationTest.PLATFORM_PASSWORD)
                                                                        .getBytes()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private record Reply(int status, JsonNode body) {}
}
