package dev.streamchat.session.capacity;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.ProtocolClient;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live path running late, on a real server, Redis and broker: the test plays an orchestrator whose chunks reach the
 * live channel seconds after they were made, for the answers of ten users. While they do, new answers are refused with
 * a retryable CAPACITY, before anything is written for them, and the answers under way go on; once they stop coming
 * late, the same request starts its answer.
 */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
class LivePathDelayIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    LivePathDelay livePath;

    @Autowired
    CapacityProperties capacity;

    @Autowired
    StringRedisTemplate redis;

    @Test
    void liveChunksSentLateTurnNewAnswersAwayUntilTheyAreOnTimeAgain() throws Exception {
        var followers = new ArrayList<ProtocolClient>();
        var orchestrator = Executors.newSingleThreadScheduledExecutor();
        try (var asker = ProtocolClient.connect(chat(), TestTokens.valid("asker-" + UUID.randomUUID()))) {
            assertThat(type(asker.next())).isEqualTo("WELCOME");
            // enough users with an answer under way for their delays to be judged: one user never is
            var messageIds = new ArrayList<String>();
            for (int user = 0; user < LivePathDelay.FEWEST_TO_JUDGE; user++) {
                var follower = ProtocolClient.connect(chat(), TestTokens.valid("behind-" + UUID.randomUUID()));
                followers.add(follower);
                assertThat(type(follower.next())).isEqualTo("WELCOME");
                follower.send(Map.of("type", "CHAT_REQUEST", "requestId", "r-under-way", "content", "hi"));
                JsonNode started = follower.next();
                assertThat(type(started)).isEqualTo("STREAM_STARTED");
                messageIds.add(started.path("messageId").asString());
            }

            // chunks made a second more than the bound before they reach the node, a live message each, 50 a second
            var index = new AtomicInteger();
            orchestrator.scheduleAtFixedRate(
                    () -> {
                        long made = System.currentTimeMillis()
                                - capacity.maxLiveDelay().toMillis()
                                - 1000;
                        int next = index.getAndIncrement();
                        messageIds.forEach(messageId -> publish(messageId, next, made));
                    },
                    0,
                    20,
                    TimeUnit.MILLISECONDS);
            String conversationId = "refused-" + UUID.randomUUID();
            var request = Map.of(
                    "type", "CHAT_REQUEST", "requestId", "r-later", "conversationId", conversationId, "content", "hi");

            await().atMost(WAIT).until(livePath::refusing);
            assertThat(livePath.worst()).isGreaterThan(capacity.maxLiveDelay());
            asker.send(request);
            JsonNode refused = asker.next();
            assertThat(type(refused)).isEqualTo("ERROR");
            assertThat(refused.path("code").asString()).isEqualTo("CAPACITY");
            assertThat(refused.path("retryable").asBoolean()).isTrue();
            assertThat(refused.path("requestId").asString()).isEqualTo("r-later");
            assertThat(redis.hasKey("chat:conversation:" + conversationId + ":owner"))
                    .isFalse();
            // the answers under way go on: their chunks still reach their clients
            assertThat(followers)
                    .allSatisfy(follower -> assertThat(type(follower.next())).isEqualTo("CHUNK"));

            orchestrator.shutdownNow();
            assertThat(orchestrator.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            await().atMost(WAIT).until(() -> !livePath.refusing());
            asker.send(request);
            JsonNode taken = asker.next();
            assertThat(type(taken)).isEqualTo("STREAM_STARTED");
            assertThat(taken.path("requestId").asString()).isEqualTo("r-later");
        } finally {
            orchestrator.shutdownNow();
            followers.forEach(ProtocolClient::close);
        }
    }

    private void publish(String messageId, int index, long emittedMillis) {
        var chunk = Map.of(
                "kind",
                "CHUNK",
                "messageId",
                messageId,
                "index",
                index,
                "timestamp",
                emittedMillis,
                "emittedAtMicros",
                emittedMillis * 1000,
                "content",
                "late " + index,
                "chunkType",
                "TEXT");
        redis.convertAndSend("chat:live:" + messageId, JSON.writeValueAsString(List.of(chunk)));
    }

    private URI chat() {
        return URI.create("ws://localhost:" + port + "/ws/chat");
    }
}
