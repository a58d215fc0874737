package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Processes killed mid-stream with SIGKILL, as a crash would: a session node with a hundred streams on it, and the
 * orchestrator running an answer. Each test brings its process back.
 */
@ExtendWith(SharedStack.class)
@Order(20)
class FailoverE2ETests {

    private static final int STREAMS = 100;
    // 30 s per stream: every stream still runs when the last of the hundred has started (2,000 chunks/s in all)
    private static final int CHUNKS = 600;
    private static final int INTERVAL_MS = 50;

    private final LocalStack stack;
    private final Edge edge;

    FailoverE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    void killingASessionNodeUnderAHundredStreamsLosesAndRepeatsNothing() throws Exception {
        String victim = edge.sessionNodes().getFirst().instanceId();
        var clients = new ArrayList<ResumingClient>();
        for (int i = 0; i < STREAMS; i++) {
            String user = "kill-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            clients.add(new ResumingClient(edge, edge.token(user), index -> false, 0).onNode(victim));
        }
        var followed = new ArrayList<Future<ResumingClient>>();
        var running = new ArrayList<ResumingClient>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (var client : clients) {
                followed.add(executor.submit(() -> client.ask(Map.of("chunks", CHUNKS, "chunkIntervalMs", INTERVAL_MS))
                        .followToTheEnd(Duration.ofMinutes(3))));
            }
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> clients.stream().allMatch(client -> client.received() >= 1));
                // more than 500 ms of their answer left: still running when the kill has happened
                running.addAll(clients.stream()
                        .filter(client -> client.received() < CHUNKS - 10)
                        .toList());
                long streaming = running.size();
                stack.service(victim).kill();
                System.out.printf(
                        "Node kill: %s killed with %d of %d streams still running on it%n", victim, streaming, STREAMS);
                assertThat(streaming).isGreaterThanOrEqualTo(STREAMS * 9 / 10);
                for (var client : followed) {
                    client.get();
                }
            } finally {
                stack.restartService(victim);
            }
        }

        System.out.printf(
                "Node kill: persistence held every answer whole %.1f s after the last one ended%n",
                ResumeE2ETests.awaitStored(clients));
        var violations = new ArrayList<String>();
        clients.forEach(client ->
                client.violations(CHUNKS).forEach(violation -> violations.add(client.messageId() + ": " + violation)));
        int moved =
                (int) clients.stream().filter(client -> client.otherNode() > 0).count();
        var latencies = new ArrayList<Long>();
        clients.forEach(client -> latencies.addAll(client.resumeNanos()));
        System.out.printf(
                "Node kill: %d streams, %d resumed on the other node; missing %d, duplicates %d, violations %d%n",
                STREAMS,
                moved,
                clients.stream().mapToInt(ResumingClient::missing).sum(),
                clients.stream().mapToInt(ResumingClient::duplicates).sum(),
                violations.size());
        System.out.println("Resume latency after the kill: " + ResumeE2ETests.percentiles(latencies));
        assertThat(violations).isEmpty();
        // an answer that ended before the kill had nothing to resume
        assertThat(running).allSatisfy(client -> assertThat(client.otherNode()).isPositive());
    }

    @Test
    void killingTheOrchestratorMidStreamInterruptsTheAnswerWithinTheLeaseAndKeepsItRecoverable() throws Exception {
        String token = edge.token("lost-" + UUID.randomUUID().toString().substring(0, 8));
        var redis = RedisClient.create("redis://localhost:" + stack.redis().port());
        String orchestrator = null;
        try (var commands = redis.connect();
                var client = edge.connect(token, null)) {
            client.client()
                    .send(Map.of(
                            "type",
                            "CHAT_REQUEST",
                            "requestId",
                            "lost-" + UUID.randomUUID(),
                            "content",
                            "a long one",
                            "options",
                            Map.of("chunks", 1000, "chunkIntervalMs", 20)));
            String messageId = client.client()
                    .next(Duration.ofSeconds(30))
                    .path("messageId")
                    .asString();
            var received = new ArrayList<JsonNode>();
            for (int i = 0; i < 20; i++) {
                received.add(client.client().next(Duration.ofSeconds(30)));
            }
            orchestrator = commands.sync().hget("chat:meta:" + messageId, "owner");
            assertThat(orchestrator).startsWith("orchestrator-service");

            stack.service(orchestrator).kill();
            long killed = System.nanoTime();
            received.addAll(client.client().untilTerminal(messageId, Duration.ofSeconds(30)));
            double seconds = (System.nanoTime() - killed) / 1e9;
            System.out.printf(
                    "Generator lost: %s killed; INTERRUPTED reached the client after %.1f s%n", orchestrator, seconds);

            JsonNode terminal = received.getLast();
            assertThat(type(terminal)).isEqualTo("ERROR");
            assertThat(terminal.path("code").asString()).isEqualTo("INTERRUPTED");
            assertThat(terminal.path("retryable").asBoolean()).isTrue();
            // lease 10 s (renewed every 3 s), swept every 2 s: at most about 12 s after the kill
            assertThat(seconds).isLessThan(17);
            List<JsonNode> chunks = received.subList(0, received.size() - 1);
            int total = chunks.size();
            assertThat(chunks)
                    .extracting(frame -> frame.path("index").asInt())
                    .containsExactlyElementsOf(IntStream.range(0, total).boxed().toList());
            var text = new StringBuilder();
            chunks.forEach(chunk -> text.append(chunk.path("content").asString()));

            await().atMost(Edge.PERSISTENCE_CATCH_UP).untilAsserted(() -> {
                JsonNode stored = edge.get("/api/conversations/messages/" + messageId, token)
                        .json();
                assertThat(stored.path("status").asString()).isEqualTo("INTERRUPTED");
                assertThat(stored.path("complete").asBoolean()).isTrue();
                assertThat(stored.path("totalChunks").asInt()).isEqualTo(total);
                assertThat(stored.path("contentSha256").asString()).isEqualTo(ResumingClient.sha256(text.toString()));
            });
            try (var again = edge.connect(token, null)) {
                again.client().send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", 9));
                JsonNode recovery = again.client().next(Duration.ofSeconds(30));
                assertThat(recovery.path("fromIndex").asInt()).isEqualTo(10);
                List<JsonNode> rest = again.client().untilTerminal(messageId, Duration.ofSeconds(30));
                assertThat(rest.subList(0, rest.size() - 1))
                        .extracting(frame -> frame.path("index").asInt())
                        .containsExactlyElementsOf(
                                IntStream.range(10, total).boxed().toList());
                assertThat(rest.getLast().path("code").asString()).isEqualTo("INTERRUPTED");
            }
        } finally {
            redis.shutdown();
            if (orchestrator != null) {
                stack.restartService(orchestrator);
            }
        }
    }
}
