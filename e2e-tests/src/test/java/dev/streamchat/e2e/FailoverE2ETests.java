package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
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

    /**
     * Every stream is routed to the victim on purpose ({@link ResumingClient#onNode}), so that the kill cuts a hundred
     * streams at once. What the test judges by is the server's state, not the clients': under this load a client's
     * count of frames it has read lags what reached it by seconds (frames wait in its queue), so an answer it seems to
     * be in the middle of may already be whole in its queue. An answer whose end no one had written in the hot log
     * after the victim's process was gone had chunks still to come, which only the other node can deliver: each of
     * those clients must have resumed there.
     */
    @Test
    void killingASessionNodeUnderAHundredStreamsLosesAndRepeatsNothing() throws Exception {
        String victim = edge.sessionNodes().getFirst().instanceId();
        var clients = new ArrayList<ResumingClient>();
        for (int i = 0; i < STREAMS; i++) {
            String user = "kill-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            clients.add(new ResumingClient(edge, edge.token(user), index -> false, 0).onNode(victim));
        }
        var followed = new ArrayList<Future<ResumingClient>>();
        var atTheKill = new LinkedHashMap<ResumingClient, HotLogState>();
        var redis = RedisClient.create(stack.redis().uri());
        try (var executor = Executors.newVirtualThreadPerTaskExecutor();
                var commands = redis.connect()) {
            for (var client : clients) {
                followed.add(executor.submit(() -> client.ask(Map.of("chunks", CHUNKS, "chunkIntervalMs", INTERVAL_MS))
                        .followToTheEnd(Duration.ofMinutes(3))));
            }
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> clients.stream().allMatch(client -> client.received() >= 1));
                var routed = clients.stream()
                        .collect(Collectors.groupingBy(ResumingClient::nodeId, TreeMap::new, Collectors.counting()));
                stack.service(victim).kill();
                // the process is gone: whatever the hot log lacks now was never on the victim
                clients.forEach(client -> atTheKill.put(client, HotLogState.of(commands.sync(), client.messageId())));
                long running = atTheKill.values().stream()
                        .filter(state -> !state.ended())
                        .count();
                System.out.printf(
                        "Node kill: %s killed; streams by node at the start %s; %d of %d answers not ended in the"
                                + " hot log after the kill%n",
                        victim, routed, running, STREAMS);
                // the test's assumptions, checked before the outcome is judged: every stream started on the victim,
                // and the kill came while nearly all of them still had chunks to come
                assertThat(routed)
                        .as("streams by node when the victim was killed (each was routed to it)")
                        .containsOnlyKeys(victim);
                assertThat(running)
                        .as(
                                "answers still under way at the kill (fewer: the machine took too long to start %d streams of %d s)",
                                STREAMS, CHUNKS * INTERVAL_MS / 1000)
                        .isGreaterThanOrEqualTo(STREAMS * 9 / 10);
                for (var client : followed) {
                    client.get();
                }
            } finally {
                stack.restartService(victim);
            }
        } finally {
            redis.shutdown();
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
        var notResumed = atTheKill.entrySet().stream()
                .filter(entry -> !entry.getValue().ended() && entry.getKey().otherNode() == 0)
                .map(entry -> entry.getKey().messageId() + " (hot log at the kill " + entry.getValue()
                        + ", resumes on the same node " + entry.getKey().sameNode() + ")")
                .toList();
        assertThat(notResumed)
                .as("answers not ended at the kill whose client never resumed on the other node")
                .isEmpty();
    }

    /** What the hot log held of an answer: its entries (chunks, then the end) and who wrote the end, if anyone. */
    private record HotLogState(long entries, @Nullable String endedBy) {

        static HotLogState of(RedisCommands<String, String> redis, String messageId) {
            return new HotLogState(
                    redis.xlen("chat:log:" + messageId), redis.hget("chat:meta:" + messageId, "endedBy"));
        }

        boolean ended() {
            return endedBy != null;
        }

        @Override
        public String toString() {
            return entries + " entries, " + (ended() ? "ended by the " + endedBy : "not ended");
        }
    }

    @Test
    void killingTheOrchestratorMidStreamInterruptsTheAnswerWithinTheLeaseAndKeepsItRecoverable() throws Exception {
        String token = edge.token("lost-" + UUID.randomUUID().toString().substring(0, 8));
        var redis = RedisClient.create(stack.redis().uri());
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
