package dev.streamchat.session.connection;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.ProtocolClient;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Protocol v1 on a running session-service with a real WebSocket client, real Redis and a real Kafka broker. The
 * test plays orchestrator-service: it reads the commands from {@code chat.requests} and writes the hot log and live
 * channel as the orchestrator does.
 */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
class ChatProtocolIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @LocalServerPort
    int port;

    @Autowired
    StringRedisTemplate redis;

    private KafkaConsumer<String, String> commands;

    @BeforeEach
    void subscribeToCommands() {
        commands = KafkaTestClients.consumer(TestInfrastructure.kafka().bootstrapServers(), "chat.requests");
    }

    @AfterEach
    void closeConsumer() {
        commands.close();
    }

    @Test
    void refusesHandshakesWithoutAValidToken() {
        assertThat(ProtocolClient.handshakeStatus(chat(""), null)).isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(chat(""), "not-a-jwt")).isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(chat(""), TestTokens.signedWithAnotherKey("alice")))
                .isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(chat(""), TestTokens.expired("alice")))
                .isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(
                        chat(""), TestTokens.from("alice", "https://elsewhere/", "streamchat")))
                .isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(chat(""), TestTokens.from("alice", TestTokens.ISSUER, "another-app")))
                .isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(chat("?access_token=" + TestTokens.valid("alice")), null))
                .isEqualTo(101);
    }

    @Test
    void refusesATokenWhoseUserIdNoServiceCouldKeyDataBy() {
        assertThat(ProtocolClient.handshakeStatus(chat(""), TestTokens.valid("two words")))
                .isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(chat(""), TestTokens.valid("u".repeat(129))))
                .isEqualTo(401);
    }

    @Test
    void aConnectionClosesWhenItsTokenExpiresWithACodeTheClientCanActOn() {
        String token = TestTokens.sign("short-" + UUID.randomUUID(), Instant.now(), Duration.ofSeconds(3));
        try (var client = ProtocolClient.connect(chat(""), token)) {
            assertThat(type(client.next())).isEqualTo("WELCOME");
            assertThat(client.awaitClose(Duration.ofSeconds(10))).isEqualTo(4401);
        }
    }

    @Test
    void aUserHoldsAtMostTheLimitOfConnectionsAndTheNextIsClosedAsItOpens() {
        String user = "many-" + UUID.randomUUID();
        var open = new ArrayList<ProtocolClient>();
        try {
            for (int i = 0; i < 32; i++) {
                var client = ProtocolClient.connect(chat(""), TestTokens.valid(user));
                assertThat(type(client.next())).isEqualTo("WELCOME");
                open.add(client);
            }
            try (var refused = ProtocolClient.connect(chat(""), TestTokens.valid(user))) {
                assertThat(refused.awaitClose(WAIT)).isEqualTo(UserConnectionLimit.TOO_MANY_CONNECTIONS);
            }
            try (var other = ProtocolClient.connect(chat(""), TestTokens.valid("other-" + UUID.randomUUID()))) {
                assertThat(type(other.next())).isEqualTo("WELCOME");
            }
            assertThat(redis.opsForZSet().size(UserConnectionLimit.key(user))).isEqualTo(32);

            open.removeFirst().close();
            await().atMost(WAIT).until(() -> redis.opsForZSet().size(UserConnectionLimit.key(user)) == 31);
            var again = ProtocolClient.connect(chat(""), TestTokens.valid(user));
            open.add(again);
            assertThat(type(again.next())).isEqualTo("WELCOME");
        } finally {
            open.forEach(ProtocolClient::close);
        }
        await().atMost(WAIT).until(() -> redis.opsForZSet().size(UserConnectionLimit.key(user)) == 0);
    }

    @Test
    void aRequestOverTheUsersAnswersAtOnceIsRefusedBeforeAnythingIsWrittenForIt() {
        String user = "busy-" + UUID.randomUUID();
        long later = System.currentTimeMillis() + 60_000;
        for (int i = 0; i < 5; i++) {
            redis.opsForZSet().add("chat:active:" + user, "running-" + i, later);
        }
        String conversationId = "busy-conversation-" + UUID.randomUUID();
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid(user))) {
            client.next();
            client.send(Map.of(
                    "type", "CHAT_REQUEST", "requestId", "r-busy", "conversationId", conversationId, "content", "hi"));
            JsonNode refused = client.next();
            assertThat(type(refused)).isEqualTo("ERROR");
            assertThat(refused.path("code").asString()).isEqualTo("RATE_LIMITED");
            assertThat(refused.path("retryable").asBoolean()).isTrue();
            assertThat(refused.path("requestId").asString()).isEqualTo("r-busy");
            assertThat(redis.hasKey("chat:conversation:" + conversationId + ":owner"))
                    .isFalse();
            assertThat(redis.hasKey("chat:request:" + user.length() + ":" + user + ":r-busy"))
                    .isFalse();

            // a claim that lapsed (its orchestrator died) no longer counts
            redis.opsForZSet().add("chat:active:" + user, "running-0", System.currentTimeMillis() - 1);
            client.send(Map.of(
                    "type", "CHAT_REQUEST", "requestId", "r-busy", "conversationId", conversationId, "content", "hi"));
            assertThat(type(client.next())).isEqualTo("STREAM_STARTED");
        }
    }

    @Test
    void welcomesWithTheSessionIdThisNodeAndTheUserAndRegistersTheSession() {
        String sessionId = "session-" + UUID.randomUUID();
        try (var client = ProtocolClient.connect(chat("?sessionId=" + sessionId), TestTokens.valid("alice"))) {
            JsonNode welcome = client.next();
            assertThat(type(welcome)).isEqualTo("WELCOME");
            assertThat(welcome.path("sessionId").asString()).isEqualTo(sessionId);
            assertThat(welcome.path("userId").asString()).isEqualTo("alice");
            assertThat(welcome.path("nodeId").asString()).isNotBlank();
            assertThat(welcome.path("protocolVersion").asInt()).isEqualTo(1);
            assertThat(redis.opsForHash().entries("chat:session:" + sessionId))
                    .containsEntry("userId", "alice")
                    .containsEntry("nodeId", welcome.path("nodeId").asString());
        }
        await().until(() -> !redis.hasKey("chat:session:" + sessionId));
        assertThat(sessionEvents(sessionId)).containsSubsequence("CONNECTED", "DISCONNECTED");
    }

    @Test
    void deliversEveryChunkOnceInOrderRepairingGapsFromTheHotLogThenOneComplete() {
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            client.next();
            client.send(Map.of("type", "CHAT_REQUEST", "requestId", "r-" + UUID.randomUUID(), "content", "hi"));
            JsonNode started = client.next();
            assertThat(type(started)).isEqualTo("STREAM_STARTED");
            String messageId = started.path("messageId").asString();
            JsonNode command = awaitCommand(messageId, "StartStream");
            assertThat(command.path("userId").asString()).isEqualTo("alice");
            assertThat(command.path("content").asString()).isEqualTo("hi");
            assertThat(command.path("conversationId").asString())
                    .isEqualTo(started.path("conversationId").asString());

            appendChunk(messageId, 0, true);
            appendChunk(messageId, 1, false);
            appendChunk(messageId, 2, false);
            publishOnly(messageId, chunk(messageId, 1));
            appendChunk(messageId, 3, true);
            publishOnly(messageId, chunk(messageId, 0));
            appendChunk(messageId, 4, true);
            append(
                    messageId,
                    5,
                    Map.of(
                            "kind",
                            "COMPLETE",
                            "messageId",
                            messageId,
                            "index",
                            5,
                            "timestamp",
                            1,
                            "totalChunks",
                            5,
                            "finishReason",
                            "STOP",
                            "tokenCount",
                            9,
                            "contentSha256",
                            "abc"),
                    true);

            List<JsonNode> frames = client.untilTerminal(messageId, WAIT);
            assertThat(frames)
                    .extracting(f -> type(f) + ":" + f.path("index").asInt(-1))
                    .containsExactly("CHUNK:0", "CHUNK:1", "CHUNK:2", "CHUNK:3", "CHUNK:4", "COMPLETE:-1");
            assertThat(frames.get(2).path("content").asString()).isEqualTo("chunk 2 ");
            assertThat(frames.get(2).path("emittedAtMicros").asLong()).isEqualTo(emittedAt(frames.get(2), 2));
            assertThat(frames.getLast().path("totalChunks").asInt()).isEqualTo(5);
        }
    }

    @Test
    void aClientOfferingV2GetsTheChunksThatAreReadyTogetherInChunksFramesEachIndexOnce() {
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"), "streamchat.v2")) {
            assertThat(client.subprotocol()).isEqualTo("streamchat.v2");
            assertThat(client.next().path("protocolVersion").asInt()).isEqualTo(2);
            String messageId = startAnswer(client);

            // 0 and 1 in the log only (their live message lost), then a live message of 2 to 4: one frame for all
            appendChunk(messageId, 0, false);
            appendChunk(messageId, 1, false);
            appendChunk(messageId, 2, false);
            appendChunk(messageId, 3, false);
            appendChunk(messageId, 4, false);
            publishBatch(messageId, List.of(chunk(messageId, 2), chunk(messageId, 3), chunk(messageId, 4)));
            publishBatch(messageId, List.of(chunk(messageId, 3), chunk(messageId, 4)));
            appendChunk(messageId, 5, false);
            append(messageId, 6, complete(messageId, 6), false);
            publishBatch(messageId, List.of(chunk(messageId, 5), complete(messageId, 6)));

            List<JsonNode> frames = client.untilTerminal(messageId, WAIT);
            assertThat(frames).extracting(ProtocolClient::type).containsOnly("CHUNKS", "COMPLETE");
            assertThat(frames.getFirst().path("fromIndex").asInt()).isZero();
            // however the catch-up at the start and the live messages meet, some chunks go out together
            assertThat(frames)
                    .anySatisfy(frame -> assertThat(frame.path("chunks").size()).isGreaterThan(1));
            List<JsonNode> chunks = frames.stream()
                    .flatMap(f -> ProtocolClient.chunks(f).stream())
                    .toList();
            assertThat(chunks).extracting(c -> c.path("index").asInt()).containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(chunks.get(2).path("content").asString()).isEqualTo("chunk 2 ");
            assertThat(chunks.get(2).path("chunkType").asString()).isEqualTo("TEXT");
            assertThat(chunks.get(2).path("emittedAtMicros").asLong()).isEqualTo(emittedAt(chunks.get(2), 2));
            assertThat(frames.getLast().path("totalChunks").asInt()).isEqualTo(6);
        }
    }

    @Test
    void aV2BatchLargerThanAFrameIsSplitAndOtherSubprotocolsGetV1() {
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"), "streamchat.v2")) {
            client.next();
            String messageId = startAnswer(client);
            var batch = new ArrayList<Map<String, Object>>();
            for (int i = 0; i < 200; i++) {
                var chunk = new java.util.HashMap<>(chunk(messageId, i));
                chunk.put("content", "é\"\n".repeat(300) + i);
                append(messageId, i, chunk, false);
                batch.add(chunk);
            }
            append(messageId, 200, complete(messageId, 200), false);
            batch.add(complete(messageId, 200));
            publishBatch(messageId, batch);

            List<JsonNode> frames = client.untilTerminal(messageId, WAIT);
            assertThat(frames.size())
                    .as("CHUNKS frames for 200 chunks of about 1.5 KB")
                    .isGreaterThan(4);
            int next = 0;
            for (JsonNode frame : frames.subList(0, frames.size() - 1)) {
                assertThat(JSON.writeValueAsBytes(frame).length).isLessThanOrEqualTo(61440);
                assertThat(frame.path("fromIndex").asInt()).isEqualTo(next);
                next += frame.path("chunks").size();
            }
            assertThat(next).isEqualTo(200);
        }
        for (String[] offered : List.of(new String[] {"streamchat.v1"}, new String[] {"streamchat.v9", "graphql-ws"})) {
            try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"), offered)) {
                assertThat(client.next().path("protocolVersion").asInt()).isEqualTo(1);
                String messageId = startAnswer(client);
                appendChunk(messageId, 0, false);
                appendChunk(messageId, 1, false);
                publishBatch(messageId, List.of(chunk(messageId, 0), chunk(messageId, 1)));
                assertThat(type(client.next())).isEqualTo("CHUNK");
                assertThat(client.next().path("index").asInt()).isEqualTo(1);
            }
        }
    }

    @Test
    void aRepeatedRequestIdFollowsTheSameAnswerInsteadOfStartingAnother() {
        String requestId = "r-" + UUID.randomUUID();
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            client.next();
            client.send(Map.of("type", "CHAT_REQUEST", "requestId", requestId, "content", "hi"));
            String first = client.next().path("messageId").asString();
            client.send(Map.of("type", "CHAT_REQUEST", "requestId", requestId, "content", "hi"));
            assertThat(client.next().path("messageId").asString()).isEqualTo(first);
        }
    }

    @Test
    void answersEveryBadFrameWithItsErrorAndStaysUsable() {
        var badFrames = new LinkedHashMap<String, String>();
        badFrames.put("{not json", "BAD_FRAME");
        badFrames.put("[1,2]", "BAD_FRAME");
        badFrames.put("{\"content\":\"no type\"}", "BAD_FRAME");
        badFrames.put("{\"type\":\"SELF_DESTRUCT\"}", "UNKNOWN_TYPE");
        badFrames.put("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r1\",\"content\":\"   \"}", "VALIDATION");
        badFrames.put("{\"type\":\"CHAT_REQUEST\",\"content\":\"hi\"}", "VALIDATION");
        badFrames.put(
                "{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r1\",\"content\":\"" + "x".repeat(10_001) + "\"}",
                "VALIDATION");
        badFrames.put("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r 1\",\"content\":\"hi\"}", "VALIDATION");
        badFrames.put("{\"type\":\"RECONNECT\",\"messageId\":\"m1\",\"lastChunkIndex\":-5}", "VALIDATION");
        badFrames.put("{\"type\":\"RECONNECT\",\"messageId\":\"m1\",\"lastChunkIndex\":2147483647}", "VALIDATION");
        // no column could hold these: refused before they become an event
        badFrames.put("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r1\",\"content\":\"a NUL \\u0000\"}", "VALIDATION");
        badFrames.put("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r1\",\"content\":\"half \\ud800\"}", "VALIDATION");
        badFrames.put(
                "{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r1\",\"conversationId\":\"" + "c".repeat(129)
                        + "\",\"content\":\"hi\"}",
                "VALIDATION");
        badFrames.put("{\"type\":\"CANCEL_STREAM\"}", "VALIDATION");
        badFrames.put("{\"type\":\"HEARTBEAT\",\"pad\":\"" + "x".repeat(70_000) + "\"}", "BAD_FRAME");
        badFrames.put("[".repeat(5_000), "BAD_FRAME");
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            client.next();
            badFrames.forEach((frame, code) -> {
                client.sendText(frame);
                JsonNode error = client.next();
                assertThat(type(error))
                        .as(frame.length() > 80 ? frame.substring(0, 80) : frame)
                        .isEqualTo("ERROR");
                assertThat(error.path("code").asString())
                        .as(frame.length() > 80 ? frame.substring(0, 80) : frame)
                        .isEqualTo(code);
                // a CHAT_REQUEST whose requestId could be read gets its refusal tied to it; nothing else carries one
                assertThat(error.path("requestId").asString(null))
                        .as(frame.length() > 80 ? frame.substring(0, 80) : frame)
                        .isEqualTo(frame.contains("\"requestId\":\"r1\"") ? "r1" : null);
            });
            client.sendBinary(new byte[] {1, 2, 3});
            assertThat(client.next().path("code").asString()).isEqualTo("BAD_FRAME");

            client.send(Map.of("type", "HEARTBEAT"));
            assertThat(type(client.next())).isEqualTo("HEARTBEAT_ACK");
            client.send(Map.of("type", "CHAT_REQUEST", "requestId", "r-" + UUID.randomUUID(), "content", "still here"));
            assertThat(type(client.next())).isEqualTo("STREAM_STARTED");
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void framesOverThePerSecondLimitAreDroppedWithOneRateLimitedAnswerAndTheConnectionStaysUsable()
            throws InterruptedException {
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            client.next();
            for (int i = 0; i < 500; i++) {
                client.send(Map.of("type", "HEARTBEAT"));
            }
            var answers = new ArrayList<JsonNode>();
            while (true) {
                try {
                    answers.add(client.next(Duration.ofMillis(500)));
                } catch (AssertionError quiet) {
                    break;
                }
            }
            long acks = answers.stream()
                    .filter(f -> type(f).equals("HEARTBEAT_ACK"))
                    .count();
            List<JsonNode> limited = answers.stream()
                    .filter(f -> f.path("code").asString().equals("RATE_LIMITED"))
                    .toList();
            // 50 a second: the 500 frames arrive within a few seconds, so most are dropped, each second's first
            // dropped one answered
            assertThat(acks).isBetween(50L, 250L);
            assertThat(limited).isNotEmpty().hasSizeLessThanOrEqualTo(5);
            assertThat(limited.getFirst().path("retryable").asBoolean()).isTrue();
            assertThat(acks + limited.size()).isEqualTo(answers.size());

            Thread.sleep(1_100);
            client.send(Map.of("type", "HEARTBEAT"));
            assertThat(type(client.next())).isEqualTo("HEARTBEAT_ACK");
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void reconnectsOverTheUsersPerSecondLimitAreAnsweredRateLimitedOverAllItsConnections() throws InterruptedException {
        // bob's answer: each RECONNECT alice is let through gets FORBIDDEN at once, each one over her limit RECOVERY
        String othersMessage = UUID.randomUUID().toString();
        redis.opsForHash().putAll("chat:meta:" + othersMessage, Map.of("userId", "bob", "conversationId", "c-bob"));
        String user = "resumer-" + UUID.randomUUID();
        try (var first = ProtocolClient.connect(chat(""), TestTokens.valid(user));
                var second = ProtocolClient.connect(chat(""), TestTokens.valid(user))) {
            first.next();
            second.next();
            // 80 in all, 40 on each connection: under the per-connection frame limit, over the user's 30 a second
            for (int i = 0; i < 40; i++) {
                for (var client : List.of(first, second)) {
                    client.send(Map.of("type", "RECONNECT", "messageId", othersMessage, "lastChunkIndex", i));
                }
            }
            var answers = new ArrayList<JsonNode>();
            for (int i = 0; i < 40; i++) {
                answers.add(first.next());
                answers.add(second.next());
            }

            List<JsonNode> limited =
                    answers.stream().filter(f -> type(f).equals("RECOVERY")).toList();
            long forbidden = answers.stream()
                    .filter(f -> f.path("code").asString().equals("FORBIDDEN"))
                    .count();
            assertThat(forbidden + limited.size()).isEqualTo(80);
            // the 80 arrive within two windows of a second at most
            assertThat(forbidden).isBetween(30L, 60L);
            assertThat(limited).allSatisfy(frame -> {
                assertThat(frame.path("status").asString()).isEqualTo("ERROR");
                assertThat(frame.path("code").asString()).isEqualTo("RATE_LIMITED");
                assertThat(frame.path("messageId").asString()).isEqualTo(othersMessage);
                assertThat(frame.path("retryAfterMs").asLong()).isBetween(1L, 1_000L);
            });

            // once the second has passed, a RECONNECT is admitted again (and judged: FORBIDDEN)
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        first.send(Map.of("type", "RECONNECT", "messageId", othersMessage, "lastChunkIndex", -1));
                        assertThat(first.next().path("code").asString()).isEqualTo("FORBIDDEN");
                    });
        }
    }

    @Test
    void onlyTheOwnerMayCancelAndTheCancelGoesToTheOrchestrator() {
        String othersMessage = UUID.randomUUID().toString();
        redis.opsForHash().putAll("chat:meta:" + othersMessage, Map.of("userId", "bob", "conversationId", "c-bob"));
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            client.next();
            client.send(Map.of("type", "CANCEL_STREAM", "messageId", othersMessage));
            assertThat(client.next().path("code").asString()).isEqualTo("FORBIDDEN");
            client.send(Map.of(
                    "type", "CANCEL_STREAM", "messageId", UUID.randomUUID().toString()));
            assertThat(client.next().path("code").asString()).isEqualTo("NOT_FOUND");

            client.send(Map.of("type", "CHAT_REQUEST", "requestId", "r-" + UUID.randomUUID(), "content", "long one"));
            String mine = client.next().path("messageId").asString();
            client.send(Map.of("type", "CANCEL_STREAM", "messageId", mine));
            assertThat(awaitCommand(mine, "CancelStream").path("userId").asString())
                    .isEqualTo("alice");
        }
    }

    @Test
    void aConversationOfAnotherUserIsForbidden() {
        String conversationId = "conv-" + UUID.randomUUID();
        try (var bob = ProtocolClient.connect(chat(""), TestTokens.valid("bob"));
                var alice = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            bob.next();
            alice.next();
            bob.send(Map.of(
                    "type",
                    "CHAT_REQUEST",
                    "requestId",
                    "r1-" + conversationId,
                    "content",
                    "mine",
                    "conversationId",
                    conversationId));
            assertThat(type(bob.next())).isEqualTo("STREAM_STARTED");
            alice.send(Map.of(
                    "type",
                    "CHAT_REQUEST",
                    "requestId",
                    "r2-" + conversationId,
                    "content",
                    "sneaky",
                    "conversationId",
                    conversationId));
            JsonNode refused = alice.next();
            assertThat(refused.path("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(refused.path("requestId").asString()).isEqualTo("r2-" + conversationId);
        }
    }

    @Test
    void aReconnectWhileRecoveryServiceIsUnreachableIsARecoveryErrorAndTheConnectionStaysUsable() {
        // an answer the hot log no longer holds is for recovery-service, which is not running here (that tier is
        // covered end to end): the client is told to try again, nothing of the answer is sent, nothing is followed
        String messageId = UUID.randomUUID().toString();
        redis.opsForValue().set("chat:message:" + messageId + ":owner", "alice c1");
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            client.next();
            client.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", -1));
            JsonNode recovery = client.next();
            assertThat(type(recovery)).isEqualTo("RECOVERY");
            assertThat(recovery.path("status").asString()).isEqualTo("ERROR");
            assertThat(recovery.path("fromIndex").asInt()).isZero();
            appendChunk(messageId, 1, true);
            client.send(Map.of("type", "HEARTBEAT"));
            assertThat(type(client.next())).isEqualTo("HEARTBEAT_ACK");
        }
    }

    @Test
    void aReconnectIsServedFromTheHotLogHereThenLiveEachIndexOnceWithoutRecoveryService() {
        String messageId = UUID.randomUUID().toString();
        redis.opsForValue().set("chat:message:" + messageId + ":owner", "alice c1");
        redis.opsForHash().putAll("chat:meta:" + messageId, Map.of("userId", "alice", "status", "STREAMING"));
        for (int i = 0; i < 700; i++) {
            appendChunk(messageId, i, false);
        }
        String sessionId;
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"), ProtocolClient.V2)) {
            sessionId = client.next().path("sessionId").asString();
            // past what the answer has so far: refused here, nothing followed
            client.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", 1_000_000));
            JsonNode past = client.next();
            assertThat(past.path("code").asString()).as(past.toString()).isEqualTo("VALIDATION");
            client.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", 4));
            JsonNode recovery = client.next();
            assertThat(recovery.path("status").asString())
                    .as(recovery.toString())
                    .isEqualTo("RECOVERED");
            assertThat(recovery.path("fromIndex").asInt()).isEqualTo(5);
            assertThat(recovery.path("missing").asInt()).isEqualTo(-1);
            // more than one page of the log (500 entries a round trip), then the live stream on from where it is
            appendChunk(messageId, 700, true);
            publishBatch(messageId, List.of(chunk(messageId, 699), chunk(messageId, 700)));
            appendChunk(messageId, 701, false);
            append(messageId, 702, complete(messageId, 702), false);
            publishBatch(messageId, List.of(chunk(messageId, 701), complete(messageId, 702)));

            List<JsonNode> frames = client.untilTerminal(messageId, WAIT);
            assertThat(frames.stream().flatMap(f -> ProtocolClient.chunks(f).stream()))
                    .extracting(c -> c.path("index").asInt())
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.range(5, 702).boxed().toList());
            assertThat(type(frames.getLast())).isEqualTo("COMPLETE");
        }
        // announced for analytics, as recovery-service announces the resumes it serves
        assertThat(sessionEvents(sessionId)).containsSubsequence("CONNECTED", "RECOVERED", "DISCONNECTED");
    }

    @Test
    void aReconnectToAnEndedAnswerInTheHotLogIsCompletedAndOnePastItsEndIsRefused() {
        String messageId = UUID.randomUUID().toString();
        redis.opsForHash().putAll("chat:meta:" + messageId, Map.of("userId", "alice", "totalChunks", "3"));
        for (int i = 0; i < 3; i++) {
            appendChunk(messageId, i, false);
        }
        append(messageId, 3, complete(messageId, 3), false);
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("alice"))) {
            client.next();
            client.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", 0));
            List<JsonNode> frames = client.untilTerminal(messageId, WAIT);
            assertThat(frames)
                    .extracting(f -> type(f) + ":" + f.path("index").asInt(-1))
                    .containsExactly("RECOVERY:-1", "CHUNK:1", "CHUNK:2", "COMPLETE:-1");
            assertThat(frames.getFirst().path("status").asString()).isEqualTo("COMPLETED");
            assertThat(frames.getFirst().path("missing").asInt()).isEqualTo(2);

            client.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", 3));
            JsonNode refused = client.next();
            assertThat(refused.path("code").asString()).as(refused.toString()).isEqualTo("VALIDATION");
        }
    }

    @Test
    void aReconnectToAnotherUsersAnswerIsForbidden() {
        String messageId = UUID.randomUUID().toString();
        redis.opsForHash().putAll("chat:meta:" + messageId, Map.of("userId", "alice", "conversationId", "c1"));
        appendChunk(messageId, 0, false);
        try (var client = ProtocolClient.connect(chat(""), TestTokens.valid("mallory"))) {
            client.next();
            client.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", -1));
            JsonNode error = client.next();
            assertThat(error.path("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(error.toString()).doesNotContain("chunk");
        }
    }

    private URI chat(String query) {
        return URI.create("ws://localhost:" + port + "/ws/chat" + query);
    }

    private JsonNode awaitCommand(String messageId, String commandType) {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            for (var record : commands.poll(Duration.ofMillis(300))) {
                JsonNode command = JSON.readTree(record.value());
                if (command.path("messageId").asString().equals(messageId)
                        && command.path("commandType").asString().equals(commandType)) {
                    assertThat(record.key())
                            .isEqualTo(command.path("conversationId").asString());
                    return command;
                }
            }
        }
        throw new AssertionError("no " + commandType + " for " + messageId + " on chat.requests");
    }

    private static List<String> sessionEvents(String sessionId) {
        var types = new java.util.ArrayList<String>();
        try (var consumer =
                KafkaTestClients.consumer(TestInfrastructure.kafka().bootstrapServers(), "chat.session.events")) {
            long deadline = System.currentTimeMillis() + 15_000;
            while (!types.contains("DISCONNECTED") && System.currentTimeMillis() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(300))) {
                    JsonNode event = JSON.readTree(record.value());
                    if (event.path("aggregateId").asString().equals(sessionId)) {
                        assertThat(record.key()).isEqualTo(sessionId);
                        assertThat(event.path("userId").asString()).isEqualTo("alice");
                        types.add(event.path("eventType").asString());
                    }
                }
            }
        }
        return types;
    }

    /**
     * A chunk emitted now, as the orchestrator writes it, its index in the last three digits of {@code emittedAtMicros}
     * (so a client's figures can be traced back to it); a chunk emitted long ago would be live chunks sent late,
     * and the node would refuse new answers for it.
     */
    private static Map<String, Object> chunk(String messageId, int index) {
        long now = System.currentTimeMillis();
        return Map.of(
                "kind",
                "CHUNK",
                "messageId",
                messageId,
                "index",
                index,
                "timestamp",
                now,
                "emittedAtMicros",
                now * 1000 + index,
                "content",
                "chunk " + index + " ",
                "chunkType",
                "TEXT");
    }

    /** What {@link #chunk} wrote as the emission of chunk {@code index}, given the {@code timestamp} the client got. */
    private static long emittedAt(JsonNode chunk, int index) {
        return chunk.path("timestamp").asLong() * 1000 + index;
    }

    private void appendChunk(String messageId, int index, boolean publish) {
        append(messageId, index, chunk(messageId, index), publish);
    }

    private void append(String messageId, int index, Map<String, Object> frame, boolean publish) {
        String json = JSON.writeValueAsString(frame);
        redis.opsForStream()
                .add(MapRecord.create("chat:log:" + messageId, Map.of("frame", json))
                        .withId(RecordId.of("0-" + (index + 1))));
        if (publish) {
            redis.convertAndSend("chat:live:" + messageId, json);
        }
    }

    private String startAnswer(ProtocolClient client) {
        client.send(Map.of("type", "CHAT_REQUEST", "requestId", "r-" + UUID.randomUUID(), "content", "hi"));
        JsonNode started = client.next();
        assertThat(type(started)).isEqualTo("STREAM_STARTED");
        return started.path("messageId").asString();
    }

    private static Map<String, Object> complete(String messageId, int totalChunks) {
        return Map.of(
                "kind",
                "COMPLETE",
                "messageId",
                messageId,
                "index",
                totalChunks,
                "timestamp",
                1,
                "totalChunks",
                totalChunks,
                "finishReason",
                "STOP",
                "tokenCount",
                9,
                "contentSha256",
                "abc");
    }

    /** One live message with the entries of one hot-log append, as the orchestrator publishes it. */
    private void publishBatch(String messageId, List<Map<String, Object>> frames) {
        redis.convertAndSend("chat:live:" + messageId, JSON.writeValueAsString(frames));
    }

    private void publishOnly(String messageId, Map<String, Object> frame) {
        redis.convertAndSend("chat:live:" + messageId, JSON.writeValueAsString(frame));
    }
}
