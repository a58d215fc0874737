package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.launcher.LocalStack;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * A session node that shuts down closes its connections with GOING_AWAY; the client reconnects with its session id,
 * lands on the other node, and resumes its answer from the hot log: every chunk after the last one it had, once, in
 * order. The node is brought back at the end.
 */
@ExtendWith(SharedStack.class)
class NodeShutdownE2ETests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final LocalStack stack;
    private final Edge edge;

    NodeShutdownE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    void aNodeShuttingDownSendsGoingAwayAndTheClientResumesOnTheOtherNode() throws Exception {
        String token = edge.devToken("mallory-" + UUID.randomUUID().toString().substring(0, 8));
        String sessionId = "shutdown-" + UUID.randomUUID();
        var first = edge.connect(token, sessionId);
        String node = first.nodeId();
        var client = first.client();
        client.send(Map.of(
                "type",
                "CHAT_REQUEST",
                "requestId",
                "r-" + UUID.randomUUID(),
                "content",
                "a long answer, please",
                "options",
                Map.of("chunks", 300, "chunkIntervalMs", 20)));
        String messageId = client.next(WAIT).path("messageId").asString();
        var received = new ArrayList<JsonNode>();
        for (int i = 0; i < 20; i++) {
            received.add(client.next(WAIT));
        }

        try {
            stack.service(node).stop(Duration.ofSeconds(30));
            assertThat(client.awaitClose(WAIT)).isEqualTo(1001);
            // the frames that arrived before the close are the client's; it declares the last one it has
            while (true) {
                try {
                    JsonNode frame = client.next(Duration.ofMillis(200));
                    received.add(frame);
                } catch (AssertionError drained) {
                    break;
                }
            }
            int last = received.getLast().path("index").asInt();

            try (var second = edge.connect(token, sessionId)) {
                assertThat(second.nodeId()).isNotEqualTo(node);
                assertThat(second.welcome().path("sessionId").asString()).isEqualTo(sessionId);
                second.client().send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", last));
                JsonNode recovery = second.client().next(WAIT);
                assertThat(type(recovery)).isEqualTo("RECOVERY");
                assertThat(recovery.path("fromIndex").asInt()).isEqualTo(last + 1);
                received.addAll(second.client().untilTerminal(messageId, WAIT));
            }
        } finally {
            stack.restartService(node);
        }

        List<JsonNode> chunks =
                received.stream().filter(f -> type(f).equals("CHUNK")).toList();
        assertThat(chunks)
                .extracting(f -> f.path("index").asInt())
                .containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, 300).boxed().toList());
        var text = new StringBuilder();
        chunks.forEach(chunk -> text.append(chunk.path("content").asString()));
        JsonNode complete = received.getLast();
        assertThat(type(complete)).isEqualTo("COMPLETE");
        assertThat(complete.path("contentSha256").asString())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(text.toString().getBytes(StandardCharsets.UTF_8))));
    }
}
