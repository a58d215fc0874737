package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.ServiceInstance;
import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.ModelWireServer;
import dev.streamchat.testsupport.ProtocolClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One answer after another through the gateway, with two session-service nodes, the orchestrator and the simulated
 * provider, on the embedded infrastructure of {@code ./chat up}.
 */
@ExtendWith(SharedStack.class)
class StreamingE2ETests {

    private static final Duration ANSWER = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final LocalStack stack;
    private final Edge edge;

    StreamingE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    void anAnswerStreamsEveryChunkInOrderThenOneCompleteWhoseDigestMatches() throws Exception {
        try (var alice = edge.connect(edge.devToken("alice"), null)) {
            List<JsonNode> frames = ask(alice.client(), Map.of("chunks", 500, "chunkIntervalMs", 0));

            assertWholeAnswer(frames, 500);
        }
    }

    @Test
    void theOpenAiCompatibleProviderStreamsAnAnswerFromALocalServerSpeakingItsWireFormat() throws Exception {
        try (var kim = edge.connect(edge.devToken("kim"), null)) {
            var request = new LinkedHashMap<String, Object>();
            request.put("type", "CHAT_REQUEST");
            request.put("requestId", "r-" + UUID.randomUUID());
            request.put("content", "Say hello.");
            request.put("model", "openai");
            kim.client().send(request);
            String messageId = kim.client().next(ANSWER).path("messageId").asString();
            List<JsonNode> frames = kim.client().untilTerminal(messageId, ANSWER);

            var text = new StringBuilder();
            frames.stream()
                    .filter(f -> type(f).equals("CHUNK"))
                    .forEach(f -> text.append(f.path("content").asString()));
            assertThat(text.toString()).isEqualTo(String.join("", ModelWireServer.PARTS));
            JsonNode complete = frames.getLast();
            assertThat(type(complete)).isEqualTo("COMPLETE");
            assertThat(complete.path("tokenCount").asInt()).isEqualTo(7);
            assertThat(complete.path("contentSha256").asString())
                    .isEqualTo(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256")
                                    .digest(text.toString().getBytes(StandardCharsets.UTF_8))));
        }
    }

    @Test
    void aFinishedAnswerIsInTheHistoryOfItsUserOnlyThroughTheGateway() throws Exception {
        String token = edge.devToken("lena");
        try (var lena = edge.connect(token, null)) {
            String messageId = start(lena.client(), Map.of("chunks", 30, "chunkIntervalMs", 0));
            List<JsonNode> frames = lena.client().untilTerminal(messageId, ANSWER);
            String digest = frames.getLast().path("contentSha256").asString();

            await().atMost(Edge.PERSISTENCE_CATCH_UP).untilAsserted(() -> {
                JsonNode stored =
                        JSON.readTree(history("/api/conversations/messages/" + messageId + "?fromIndex=10", token)
                                .body());
                assertThat(stored.path("complete").asBoolean()).isTrue();
                assertThat(stored.path("chunks")).hasSize(20);
                assertThat(stored.path("contentSha256").asString()).isEqualTo(digest);
            });
            var other = history("/api/conversations/messages/" + messageId, edge.devToken("mallory"));
            assertThat(other.statusCode()).isEqualTo(404);
            assertThat(other.body()).doesNotContain("content\"");
        }
    }

    private HttpResponse<String> history(String path, String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(edge.gateway().baseUrl() + path))
                        .timeout(Duration.ofSeconds(20))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFastAnswerArrivesWholeAndReportsItsLatency() throws Exception {
        try (var bob = edge.connect(edge.devToken("bob"), null)) {
            for (int round = 0; round < 3; round++) {
                long sent = System.currentTimeMillis();
                String messageId = start(bob.client(), Map.of("chunks", 200, "chunkIntervalMs", 0));
                var latencies = new ArrayList<Long>();
                long firstChunkAt = 0;
                var frames = new ArrayList<JsonNode>();
                while (true) {
                    JsonNode frame = bob.client().next(ANSWER);
                    long received = System.currentTimeMillis();
                    frames.add(frame);
                    if (type(frame).equals("CHUNK")) {
                        if (firstChunkAt == 0) {
                            firstChunkAt = received;
                        }
                        latencies.add(received - frame.path("timestamp").asLong());
                    } else if (messageId.equals(frame.path("messageId").asString())) {
                        break;
                    }
                }
                assertWholeAnswer(frames, 200);
                latencies.sort(Long::compare);
                System.out.printf(
                        "[latency] simulated provider at 0 ms: time to first chunk %d ms; emit-to-client per chunk"
                                + " p50 %d ms, p99 %d ms, max %d ms over %d chunks%n",
                        firstChunkAt - sent,
                        latencies.get(latencies.size() / 2),
                        latencies.get(latencies.size() * 99 / 100),
                        latencies.getLast(),
                        latencies.size());
            }
        }
    }

    @Test
    void cancelStopsTheAnswerAndItIsStoredAsCancelledAtTheLastChunkSent() throws Exception {
        try (var carol = edge.connect(edge.devToken("carol"), null)) {
            var client = carol.client();
            String messageId = start(client, Map.of("chunks", 5000, "chunkIntervalMs", 5));
            for (int i = 0; i < 10; i++) {
                assertThat(type(client.next(ANSWER))).isEqualTo("CHUNK");
            }
            client.send(Map.of("type", "CANCEL_STREAM", "messageId", messageId));
            List<JsonNode> rest = client.untilTerminal(messageId, ANSWER);

            JsonNode terminal = rest.getLast();
            assertThat(type(terminal)).isEqualTo("COMPLETE");
            assertThat(terminal.path("finishReason").asString()).isEqualTo("CANCELLED");
            int k = terminal.path("totalChunks").asInt();
            assertThat(k).isEqualTo(10 + rest.size() - 1).isLessThan(5000);
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(generation(messageId))
                            .containsEntry("status", "CANCELLED")
                            .containsEntry("chunk_count", String.valueOf(k)));
        }
    }

    @Test
    void aProviderFailureAtChunkKEndsWithAnErrorAndAStreamFailedEvent() throws Exception {
        try (var dave = edge.connect(edge.devToken("dave"), null)) {
            String messageId = start(dave.client(), Map.of("chunks", 50, "chunkIntervalMs", 0, "failAtChunk", 7));
            List<JsonNode> frames = dave.client().untilTerminal(messageId, ANSWER);

            assertThat(frames).hasSize(8);
            assertThat(frames.subList(0, 7))
                    .extracting(f -> f.path("index").asInt())
                    .containsExactly(0, 1, 2, 3, 4, 5, 6);
            JsonNode error = frames.getLast();
            assertThat(type(error)).isEqualTo("ERROR");
            assertThat(error.path("code").asString()).isEqualTo("PROVIDER_UNAVAILABLE");
            assertThat(error.path("retryable").asBoolean()).isTrue();
            assertThat(streamEvents(messageId, "STREAM_FAILED")).contains("STREAM_STARTED", "STREAM_FAILED");
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(generation(messageId))
                            .containsEntry("status", "FAILED")
                            .containsEntry("chunk_count", "7"));
        }
    }

    @Test
    void everyBadInputIsAnsweredAndTheSameConnectionThenStreamsANormalAnswer() throws Exception {
        var badFrames = new LinkedHashMap<String, String>();
        badFrames.put("not json at all", "BAD_FRAME");
        badFrames.put("{\"type\":\"TELEPORT\"}", "UNKNOWN_TYPE");
        badFrames.put("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r1\",\"content\":\"\"}", "VALIDATION");
        badFrames.put(
                "{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r1\",\"content\":\"" + "y".repeat(10_001) + "\"}",
                "VALIDATION");
        badFrames.put("{\"type\":\"HEARTBEAT\",\"padding\":\"" + "z".repeat(100_000) + "\"}", "BAD_FRAME");
        badFrames.put("{\"type\":\"CANCEL_STREAM\",\"messageId\":\"" + UUID.randomUUID() + "\"}", "NOT_FOUND");
        try (var erin = edge.connect(edge.devToken("erin"), null)) {
            var client = erin.client();
            badFrames.forEach((frame, code) -> {
                client.sendText(frame);
                JsonNode error = client.next(Duration.ofSeconds(10));
                assertThat(type(error)).isEqualTo("ERROR");
                assertThat(error.path("code").asString()).as(code).isEqualTo(code);
            });
            client.send(Map.of("type", "HEARTBEAT"));
            assertThat(type(client.next())).isEqualTo("HEARTBEAT_ACK");

            assertWholeAnswer(ask(client, Map.of("chunks", 25, "chunkIntervalMs", 0)), 25);
        }
    }

    @Test
    void handshakesWithoutAValidTokenAreRefusedAtTheGatewayAndAtEachSessionNode() {
        String expired = edge.localToken("frank", Instant.now().minus(Duration.ofHours(3)), Duration.ofHours(1));
        String valid = edge.localToken("frank", Instant.now(), Duration.ofMinutes(5));
        var doors = new ArrayList<ServiceInstance>(edge.sessionNodes());
        doors.add(edge.gateway());
        for (ServiceInstance door : doors) {
            var chat = Edge.chat(door, "door-check-" + UUID.randomUUID());
            assertThat(ProtocolClient.handshakeStatus(chat, null))
                    .as(door.instanceId())
                    .isEqualTo(401);
            assertThat(ProtocolClient.handshakeStatus(chat, "a.b.c"))
                    .as(door.instanceId())
                    .isEqualTo(401);
            assertThat(ProtocolClient.handshakeStatus(chat, expired))
                    .as(door.instanceId())
                    .isEqualTo(401);
        }
        for (ServiceInstance node : edge.sessionNodes()) {
            assertThat(ProtocolClient.handshakeStatus(Edge.chat(node, null), valid))
                    .isEqualTo(101);
        }
    }

    @Test
    void theSameSessionIdLandsOnTheSameNodeAndDifferentIdsSpreadOverBoth() {
        String token = edge.devToken("grace");
        String sessionId = "sticky-" + UUID.randomUUID();
        Set<String> nodesOfOneId = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            try (var connected = edge.connect(token, sessionId)) {
                assertThat(connected.welcome().path("sessionId").asString()).isEqualTo(sessionId);
                nodesOfOneId.add(connected.nodeId());
            }
        }
        assertThat(nodesOfOneId).hasSize(1);

        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            try (var connected = edge.connect(token, "spread-" + i + "-" + UUID.randomUUID())) {
                nodes.add(connected.nodeId());
            }
        }
        assertThat(nodes).containsExactlyInAnyOrder("session-service-1", "session-service-2");
    }

    @Test
    void aHandshakeWithoutASessionIdGetsOneInWelcome() {
        try (var connected = edge.connect(edge.devToken("heidi"), null)) {
            assertThat(connected.welcome().path("sessionId").asString()).hasSizeGreaterThanOrEqualTo(8);
        }
    }

    @Test
    void aSecondConnectionOfTheSameUserFollowsTheSameAnswer() throws Exception {
        String token = edge.devToken("ivan");
        try (var phone = edge.connect(token, null);
                var laptop = edge.connect(token, null)) {
            String messageId = start(phone.client(), Map.of("chunks", 100, "chunkIntervalMs", 10));
            laptop.client().send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", -1));
            JsonNode recovery = laptop.client().next();
            assertThat(type(recovery)).isEqualTo("RECOVERY");
            // right after STREAM_STARTED nothing may be written yet: still RECOVERED, the live stream brings it all
            assertThat(recovery.path("status").asString())
                    .as(recovery.toString())
                    .isEqualTo("RECOVERED");

            List<JsonNode> onPhone = phone.client().untilTerminal(messageId, ANSWER);
            List<JsonNode> onLaptop = laptop.client().untilTerminal(messageId, ANSWER);
            assertWholeAnswer(onPhone, 100);
            assertWholeAnswer(onLaptop, 100);
        }
    }

    @Test
    void theGatewayClosesTheUpstreamConnectionWhenTheClientGoesAway() throws Exception {
        String sessionId = "gone-" + UUID.randomUUID();
        var connected = edge.connect(edge.devToken("judy"), sessionId);
        var node = edge.sessionNodes().stream()
                .filter(instance -> instance.instanceId().equals(connected.nodeId()))
                .findFirst()
                .orElseThrow();
        double before = activeConnections(node);
        assertThat(before).isGreaterThanOrEqualTo(1);

        connected.client().abort();

        await().atMost(Duration.ofSeconds(15)).until(() -> activeConnections(node) <= before - 1);
    }

    private double activeConnections(ServiceInstance node) throws Exception {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create(node.baseUrl() + "/actuator/prometheus"))
                                .timeout(Duration.ofSeconds(20))
                                .header(
                                        "Authorization",
                                        stack.platformCredentials().basicAuthorization())
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                .filter(line -> line.startsWith("streamchat_connections_active"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static String start(ProtocolClient client, Map<String, Object> options) {
        var request = new LinkedHashMap<String, Object>();
        request.put("type", "CHAT_REQUEST");
        request.put("requestId", "r-" + UUID.randomUUID());
        request.put("content", "Explain resumable streams, please.");
        request.put("options", options);
        client.send(request);
        JsonNode started = client.next(ANSWER);
        assertThat(type(started)).as(started.toString()).isEqualTo("STREAM_STARTED");
        return started.path("messageId").asString();
    }

    private static List<JsonNode> ask(ProtocolClient client, Map<String, Object> options) {
        String messageId = start(client, options);
        return client.untilTerminal(messageId, ANSWER);
    }

    /** CHUNK 0..n-1 in order, nothing else, then one COMPLETE whose digest is that of the assembled text. */
    private static void assertWholeAnswer(List<JsonNode> frames, int chunks) throws Exception {
        assertThat(frames).hasSize(chunks + 1);
        var text = new StringBuilder();
        for (int i = 0; i < chunks; i++) {
            assertThat(type(frames.get(i))).isEqualTo("CHUNK");
            assertThat(frames.get(i).path("index").asInt()).isEqualTo(i);
            text.append(frames.get(i).path("content").asString());
        }
        JsonNode complete = frames.getLast();
        assertThat(type(complete)).isEqualTo("COMPLETE");
        assertThat(complete.path("totalChunks").asInt()).isEqualTo(chunks);
        assertThat(complete.path("finishReason").asString()).isEqualTo("STOP");
        String digest = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(complete.path("contentSha256").asString()).isEqualTo(digest);
    }

    private Map<String, String> generation(String messageId) throws Exception {
        try (var connection = DriverManager.getConnection(stack.postgres().jdbcUrl("orchestrator"), "postgres", "");
                var statement = connection.prepareStatement(
                        "select status, chunk_count from stream_sessions where message_id = ?")) {
            statement.setString(1, messageId);
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Map.of();
                }
                return Map.of("status", rows.getString(1), "chunk_count", rows.getString(2));
            }
        }
    }

    private List<String> streamEvents(String messageId, String last) {
        var types = new ArrayList<String>();
        try (var consumer = KafkaTestClients.consumer(stack.kafka().bootstrapServers(), "chat.stream.events")) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (!types.contains(last) && System.currentTimeMillis() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode event = JSON.readTree(record.value());
                    if (messageId.equals(event.path("messageId").asString())) {
                        types.add(event.path("eventType").asString());
                    }
                }
            }
        }
        return types;
    }
}
