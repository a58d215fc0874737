package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The resume guarantee of DESIGN.md section 5, through the gateway with two session nodes: many clients dropped at
 * random chunks and away for random times, coming back to the same or the other node; answers resumed from the
 * database once their hot log is gone; and nobody resuming what is not theirs.
 */
@ExtendWith(SharedStack.class)
@Order(10)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResumeE2ETests {

    private static final int STREAMS = 200;
    private static final int CHUNKS = 200;
    private static final int CONCURRENT = 30;

    private final LocalStack stack;
    private final Edge edge;

    ResumeE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    @Order(3)
    void everyClientGetsExactlyTheRestOfItsAnswerWhateverItsDropsAwayTimesAndNodes() throws Exception {
        var permits = new Semaphore(CONCURRENT);
        var clients = new ArrayList<Future<ResumingClient>>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < STREAMS; i++) {
                String user = "inv-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
                Set<Integer> drops = dropPoints(i);
                clients.add(executor.submit(() -> {
                    permits.acquire();
                    try {
                        return new ResumingClient(edge, edge.token(user), drops::contains, 2000)
                                .ask(Map.of("chunks", CHUNKS, "chunkIntervalMs", 20))
                                .followToTheEnd(Duration.ofMinutes(3));
                    } finally {
                        permits.release();
                    }
                }));
            }
        }
        var results = new ArrayList<ResumingClient>();
        for (var client : clients) {
            results.add(client.get());
        }
        double catchUp = awaitStored(results);

        var violations = new ArrayList<String>();
        results.forEach(client ->
                client.violations(CHUNKS).forEach(violation -> violations.add(client.messageId() + ": " + violation)));
        int drops = results.stream().mapToInt(ResumingClient::drops).sum();
        int severalTimes = (int) results.stream().filter(c -> c.drops() > 1).count();
        int sameNode = results.stream().mapToInt(ResumingClient::sameNode).sum();
        int otherNode = results.stream().mapToInt(ResumingClient::otherNode).sum();
        int completedAway =
                results.stream().mapToInt(ResumingClient::completedWhileAway).sum();
        int missing = results.stream().mapToInt(ResumingClient::missing).sum();
        int duplicates = results.stream().mapToInt(ResumingClient::duplicates).sum();
        var latencies = new ArrayList<Long>();
        results.forEach(client -> latencies.addAll(client.resumeNanos()));
        System.out.printf(
                "Invariant: %d streams x %d chunks, %d drops (%d streams dropped several times), %d resumed on the same"
                        + " node, %d on the other, %d after the answer completed; missing %d, duplicates %d,"
                        + " violations %d%n",
                STREAMS,
                CHUNKS,
                drops,
                severalTimes,
                sameNode,
                otherNode,
                completedAway,
                missing,
                duplicates,
                violations.size());
        System.out.println("Resume latency under load (" + CONCURRENT
                + " streams at once, hot log, RECONNECT to first missing chunk): " + percentiles(latencies));

        System.out.printf("Persistence held every answer whole %.1f s after the last one ended%n", catchUp);

        assertThat(violations).isEmpty();
        assertThat(missing).isZero();
        assertThat(duplicates).isZero();
        assertThat(drops).isGreaterThanOrEqualTo(STREAMS);
        assertThat(severalTimes).isPositive();
        assertThat(sameNode).isPositive();
        assertThat(otherNode).isPositive();
        assertThat(completedAway).isPositive();
    }

    @Test
    @Order(1)
    void anAnswerIsResumedExactlyFromTheHotLogAndOnceItIsGoneFromTheDatabase() throws Exception {
        String token = edge.token("tiers-" + UUID.randomUUID().toString().substring(0, 8));
        int answers = 20;
        int chunks = 60;
        var hotLog = new ArrayList<Long>();
        var database = new ArrayList<Long>();
        var redis = RedisClient.create(stack.redis().uri());
        try (var commands = redis.connect()) {
            for (int round = 0; round < answers; round++) {
                String messageId;
                String digest;
                try (var client = edge.connect(token, null)) {
                    client.client()
                            .send(Map.of(
                                    "type",
                                    "CHAT_REQUEST",
                                    "requestId",
                                    "tier-" + round + "-" + UUID.randomUUID(),
                                    "content",
                                    "question " + round,
                                    "options",
                                    Map.of("chunks", chunks, "chunkIntervalMs", 0)));
                    messageId = client.client()
                            .next(Duration.ofSeconds(30))
                            .path("messageId")
                            .asString();
                    List<JsonNode> frames = client.client().untilTerminal(messageId, Duration.ofSeconds(60));
                    digest = frames.getLast().path("contentSha256").asString();
                }
                await().atMost(Edge.PERSISTENCE_CATCH_UP)
                        .until(() -> edge.get("/api/conversations/messages/" + messageId, token)
                                .json()
                                .path("complete")
                                .asBoolean());

                hotLog.add(resumeExactly(token, messageId, chunks, digest));
                assertThat(commands.sync().del("chat:log:" + messageId, "chat:meta:" + messageId))
                        .isEqualTo(2);
                database.add(resumeExactly(token, messageId, chunks, digest));
            }
        } finally {
            redis.shutdown();
        }
        System.out.println("Resume latency, hot-log tier (RECONNECT to first missing chunk, " + answers + " answers of "
                + chunks + " chunks): " + percentiles(hotLog));
        System.out.println("Resume latency, database tier (same answers, hot log deleted): " + percentiles(database));
    }

    /** Resumes an ended answer from a random index on a new connection; the time to the first missing chunk. */
    private long resumeExactly(String token, String messageId, int chunks, String digest) {
        int declared = ThreadLocalRandom.current().nextInt(-1, chunks - 1);
        try (var client = edge.connect(token, null)) {
            long sent = System.nanoTime();
            client.client().send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", declared));
            JsonNode recovery = client.client().next(Duration.ofSeconds(30));
            JsonNode first = client.client().next(Duration.ofSeconds(30));
            long latency = System.nanoTime() - sent;
            assertThat(type(recovery)).isEqualTo("RECOVERY");
            assertThat(recovery.path("status").asString()).isEqualTo("COMPLETED");
            assertThat(recovery.path("fromIndex").asInt()).isEqualTo(declared + 1);
            assertThat(recovery.path("missing").asInt()).isEqualTo(chunks - declared - 1);
            var rest = new ArrayList<JsonNode>(List.of(first));
            if (!type(first).equals("COMPLETE")) {
                rest.addAll(client.client().untilTerminal(messageId, Duration.ofSeconds(30)));
            }
            assertThat(rest.subList(0, rest.size() - 1))
                    .extracting(frame -> frame.path("index").asInt())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(declared + 1, chunks)
                            .boxed()
                            .toList());
            JsonNode complete = rest.getLast();
            assertThat(type(complete)).isEqualTo("COMPLETE");
            assertThat(complete.path("totalChunks").asInt()).isEqualTo(chunks);
            assertThat(complete.path("contentSha256").asString()).isEqualTo(digest);
            return latency;
        }
    }

    @Test
    @Order(2)
    void nobodyResumesCancelsOrReadsAnotherUsersAnswer() throws Exception {
        String aliceToken = edge.token("owner-" + UUID.randomUUID().toString().substring(0, 8));
        String bobToken = edge.token("intruder-" + UUID.randomUUID().toString().substring(0, 8));
        String messageId;
        String secret;
        try (var alice = edge.connect(aliceToken, null)) {
            alice.client()
                    .send(Map.of(
                            "type",
                            "CHAT_REQUEST",
                            "requestId",
                            "own-" + UUID.randomUUID(),
                            "content",
                            "my secret",
                            "options",
                            Map.of("chunks", 30, "chunkIntervalMs", 0)));
            messageId = alice.client()
                    .next(Duration.ofSeconds(30))
                    .path("messageId")
                    .asString();
            var text = new StringBuilder();
            alice.client().untilTerminal(messageId, Duration.ofSeconds(60)).stream()
                    .filter(frame -> type(frame).equals("CHUNK"))
                    .forEach(frame -> text.append(frame.path("content").asString()));
            secret = text.toString();
        }
        await().atMost(Edge.PERSISTENCE_CATCH_UP)
                .until(() -> edge.get("/api/conversations/messages/" + messageId, aliceToken)
                        .json()
                        .path("complete")
                        .asBoolean());

        try (var bob = edge.connect(bobToken, null)) {
            bob.client().send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", -1));
            JsonNode refused = bob.client().next(Duration.ofSeconds(30));
            assertThat(refused.path("code").asString()).isIn("FORBIDDEN", "NOT_FOUND");
            bob.client().send(Map.of("type", "CANCEL_STREAM", "messageId", messageId));
            assertThat(bob.client().next(Duration.ofSeconds(30)).path("code").asString())
                    .isIn("FORBIDDEN", "NOT_FOUND");
            bob.client().send(Map.of("type", "HEARTBEAT"));
            assertThat(type(bob.client().next(Duration.ofSeconds(30)))).isEqualTo("HEARTBEAT_ACK");
        }
        var recovery = edge.post(
                "/api/recovery",
                bobToken,
                Map.of("sessionId", "intruder-session", "messageId", messageId, "lastChunkIndex", -1));
        assertThat(recovery.status()).isEqualTo(200);
        assertThat(recovery.json().path("status").asString()).isEqualTo("NOT_FOUND");
        var history = edge.get("/api/conversations/messages/" + messageId, bobToken);
        assertThat(history.status()).isEqualTo(404);
        for (String body : List.of(recovery.body(), history.body())) {
            assertThat(body).doesNotContain(secret).doesNotContain("\"content\"");
        }
        var own = edge.post(
                "/api/recovery",
                aliceToken,
                Map.of("sessionId", "owner-session", "messageId", messageId, "lastChunkIndex", 28));
        assertThat(own.json().path("status").asString()).isEqualTo("COMPLETED");
        assertThat(own.json().path("frames")).hasSize(2);
        try (var alice = edge.connect(aliceToken, null)) {
            alice.client().send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", 30));
            assertThat(alice.client().next(Duration.ofSeconds(30)).path("code").asString())
                    .isEqualTo("VALIDATION");
        }
    }

    /** Seconds until persistence-service holds every one of the clients' answers whole. */
    static double awaitStored(List<ResumingClient> clients) {
        long start = System.nanoTime();
        var pending = new ArrayList<>(
                clients.stream().filter(client -> client.terminal() != null).toList());
        await().atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    pending.removeIf(ResumingClient::stored);
                    return pending.isEmpty();
                });
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * One drop at a random chunk for every stream; every fourth drops two or three times; every tenth drops near the
     * end and stays away long enough for the answer to complete meanwhile.
     */
    private static Set<Integer> dropPoints(int stream) {
        var random = ThreadLocalRandom.current();
        Set<Integer> points = ConcurrentHashMap.newKeySet();
        if (stream % 10 == 0) {
            points.add(CHUNKS - 2 - random.nextInt(3));
            return points;
        }
        int drops = stream % 4 == 0 ? 2 + random.nextInt(2) : 1;
        while (points.size() < drops) {
            points.add(random.nextInt(CHUNKS - 1));
        }
        return points;
    }

    static String percentiles(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return "no samples";
        }
        var sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return String.format(
                "n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms",
                sorted.size(),
                sorted.get((int) Math.ceil(sorted.size() * 0.50) - 1) / 1e6,
                sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1e6,
                sorted.getLast() / 1e6);
    }
}
