package dev.streamchat.session.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.ProtocolClient;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client that stops reading while its answer streams is closed as a slow consumer once too much waits for it,
 * and the node goes on serving everyone else.
 */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
@TestPropertySource(
        properties = {"streamchat.protocol.send-buffer-bytes=262144", "streamchat.protocol.send-time-limit=3s"})
class SlowConsumerIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    MeterRegistry meters;

    @Test
    void aClientThatStopsReadingIsClosedWithSlowConsumerAndOthersAreServed() {
        URI chat = URI.create("ws://localhost:" + port + "/ws/chat");
        try (var slow = ProtocolClient.connect(chat, TestTokens.valid("slowpoke"));
                var other = ProtocolClient.connect(chat, TestTokens.valid("quick"))) {
            String sessionId = slow.next().path("sessionId").asString();
            other.next();
            slow.send(Map.of("type", "CHAT_REQUEST", "requestId", "r-" + UUID.randomUUID(), "content", "much"));
            String messageId = slow.next().path("messageId").asString();
            slow.pauseReading();

            String content = "x".repeat(1000);
            for (int i = 0; i < 30_000 && !(i >= 2000 && i % 500 == 0 && closedOnServer(sessionId)); i++) {
                String frame = JSON.writeValueAsString(Map.of(
                        "kind",
                        "CHUNK",
                        "messageId",
                        messageId,
                        "index",
                        i,
                        "timestamp",
                        System.currentTimeMillis(),
                        "content",
                        content,
                        "chunkType",
                        "TEXT"));
                redis.opsForStream()
                        .add(MapRecord.create("chat:log:" + messageId, Map.of("frame", frame))
                                .withId(RecordId.of("0-" + (i + 1))));
                redis.convertAndSend("chat:live:" + messageId, frame);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> closedOnServer(sessionId));
            assertThat(meters.counter("streamchat.connections.closed.slow").count())
                    .isEqualTo(1.0);
            slow.resumeReading();
            // 4500 SLOW_CONSUMER when the close frame gets through; a socket this full may only see the drop
            assertThat(slow.awaitClose(Duration.ofSeconds(30))).isIn(4500, 1006, -1);

            other.send(Map.of("type", "HEARTBEAT"));
            assertThat(ProtocolClient.type(other.next())).isEqualTo("HEARTBEAT_ACK");
        }
    }

    private boolean closedOnServer(String sessionId) {
        // the node removes a connection from the registry once it is closed
        return !redis.hasKey("chat:session:" + sessionId);
    }
}
