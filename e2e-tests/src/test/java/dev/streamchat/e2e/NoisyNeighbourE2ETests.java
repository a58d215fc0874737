package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.testsupport.ProtocolClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * One user sends what a hostile client would while another user goes about their day on the same stack: the second
 * user's answers, resumes and history stay as they are when nobody misbehaves.
 */
@ExtendWith(SharedStack.class)
@Order(6)
class NoisyNeighbourE2ETests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CONNECTION_LIMIT = 32;

    private final Edge edge;

    NoisyNeighbourE2ETests(LocalStack stack) {
        this.edge = new Edge(stack);
    }

    @Test
    void oneUsersHostileInputCostsAnotherUserNothing() throws Exception {
        String mallory = edge.token("mallory-" + UUID.randomUUID().toString().substring(0, 8));
        String alice = edge.token("alice-" + UUID.randomUUID().toString().substring(0, 8));
        var held = new ArrayList<Edge.Connected>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            // mallory holds every connection she may, and the next one is closed at once
            for (int i = 0; i < CONNECTION_LIMIT; i++) {
                held.add(edge.connect(mallory, null));
            }
            // through the gateway a refusal is a close code: the gateway answers the handshake before it makes its own
            try (var refused = ProtocolClient.connect(edge.chatThroughGateway(null), mallory)) {
                assertThat(refused.awaitClose(WAIT)).isEqualTo(4429);
            }

            // alice's answer, while mallory sends what no service could store and floods her connections
            var aliceAnswer = executor.submit(() -> new ResumingClient(edge, alice, index -> index == 20, 100)
                    .ask(Map.of("chunks", 60, "chunkIntervalMs", 20))
                    .followToTheEnd(Duration.ofMinutes(1)));
            var poison = held.getFirst().client();
            List<String> refusals = new ArrayList<>();
            for (String content : List.of("a NUL \\u0000 here", "half a pair \\ud800")) {
                poison.sendText("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"p-" + UUID.randomUUID()
                        + "\",\"content\":\"" + content + "\"}");
                refusals.add(poison.next(WAIT).path("code").asString());
            }
            poison.send(request("c".repeat(129), "an id longer than the protocol allows"));
            refusals.add(poison.next(WAIT).path("code").asString());
            assertThat(refusals).containsOnly("VALIDATION");
            // an id as long as the protocol allows is an ordinary conversation, stored like any other
            poison.send(request("m".repeat(128), "a long but valid id"));
            JsonNode longStarted = poison.next(WAIT);
            assertThat(type(longStarted)).isEqualTo("STREAM_STARTED");
            var rateLimited = new AtomicInteger();
            for (var connection : held.subList(1, held.size())) {
                executor.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        connection.client().sendText("{\"type\":\"HEARTBEAT\"}");
                    }
                    while (true) {
                        JsonNode frame;
                        try {
                            frame = connection.client().next(Duration.ofSeconds(2));
                        } catch (AssertionError quiet) {
                            return;
                        }
                        if ("RATE_LIMITED".equals(frame.path("code").asString())) {
                            rateLimited.incrementAndGet();
                        }
                    }
                });
            }
            // and asks to resume alice's answer
            ResumingClient aliceClient = aliceAnswer.get();
            poison.send(Map.of("type", "RECONNECT", "messageId", aliceClient.messageId(), "lastChunkIndex", -1));
            JsonNode denied = nextOfType(poison, "ERROR");
            assertThat(denied.path("code").asString()).isIn("FORBIDDEN", "NOT_FOUND");

            assertThat(aliceClient.violations(60)).isEmpty();
            assertThat(aliceClient.drops()).isEqualTo(1);
            long completed = System.nanoTime();
            String conversationId = conversationOf(alice, aliceClient.messageId());
            double visible = (System.nanoTime() - completed) / 1e9;
            System.out.printf(
                    "Noisy neighbour: %d of mallory's connections rate limited; alice resumed in %s; her"
                            + " conversation %s in her history %.2f s after her answer ended%n",
                    rateLimited.get(), ResumeE2ETests.percentiles(aliceClient.resumeNanos()), conversationId, visible);
            assertThat(rateLimited.get()).isPositive();
            assertThat(aliceClient.resumeNanos())
                    .allSatisfy(nanos -> assertThat(nanos).isLessThan(2_000_000_000L));
            assertThat(visible).isLessThan(2.0);
            // and mallory's conversation with the longest id the protocol allows is in her history like any other
            assertThat(conversationOf(mallory, longStarted.path("messageId").asString()))
                    .isEqualTo("m".repeat(128));
        } finally {
            held.forEach(Edge.Connected::close);
        }
    }

    /** A CHAT_REQUEST of a short answer in the conversation. */
    private static Map<String, Object> request(String conversationId, String content) {
        return Map.of(
                "type",
                "CHAT_REQUEST",
                "requestId",
                "p-" + UUID.randomUUID(),
                "conversationId",
                conversationId,
                "content",
                content,
                "options",
                Map.of("chunks", 3, "chunkIntervalMs", 0));
    }

    /** Waits for the answer's conversation to be in the user's history, and returns its id. */
    private String conversationOf(String token, String messageId) {
        var found = new AtomicReference<String>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            var reply = edge.get("/api/conversations/messages/" + messageId, token);
            if (reply.status() != 200 || !reply.json().path("complete").asBoolean()) {
                return false;
            }
            String conversationId = reply.json().path("conversationId").asString();
            for (JsonNode item : edge.get("/api/conversations", token).json().path("items")) {
                if (item.path("id").asString().equals(conversationId)) {
                    found.set(conversationId);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    private static JsonNode nextOfType(ProtocolClient client, String type) {
        while (true) {
            JsonNode frame = client.next(WAIT);
            if (type(frame).equals(type)) {
                return frame;
            }
        }
    }
}
