package dev.streamchat.orchestrator.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.orchestrator.hotlog.HotLog;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.TestPropertySource;

/**
 * Protections with small limits: a provider that keeps failing opens its circuit (the next requests are refused at
 * once, without calling it), and an instance running its maximum of answers refuses the next with CAPACITY.
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, RedisTestConfiguration.class, KafkaTestConfiguration.class})
@TestPropertySource(
        properties = {
            "streamchat.circuit-breaker.minimum-number-of-calls=4",
            "streamchat.circuit-breaker.sliding-window-size=4",
            "streamchat.circuit-breaker.wait-in-open-state=60s",
            "streamchat.generation.max-concurrent-streams=2"
        })
class CircuitBreakerIntegrationTests {

    @Autowired
    GenerationService generations;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    CircuitBreakerRegistry breakers;

    @AfterEach
    void closeCircuits() {
        breakers.getAllCircuitBreakers().forEach(CircuitBreaker::reset);
    }

    @Test
    void anOpenCircuitAnswersProviderUnavailableAtOnce() {
        for (int i = 0; i < 4; i++) {
            String failing = start(Map.of("chunks", 10, "chunkIntervalMs", 0, "failAtChunk", 2));
            assertThat(terminal(failing))
                    .contains("\"code\":\"PROVIDER_UNAVAILABLE\"")
                    .contains("chunk 2");
        }

        long started = System.nanoTime();
        String refused = start(Map.of("chunks", 10, "chunkIntervalMs", 0));
        String frame = terminal(refused);

        assertThat(frame).contains("\"code\":\"PROVIDER_UNAVAILABLE\"").contains("is unavailable");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(redis.opsForStream().size(HotLog.logKey(refused))).isEqualTo(1);
    }

    @Test
    void anInstanceRunningItsMaximumOfAnswersRefusesTheNextWithCapacity() {
        String first = start(Map.of("chunks", 5000, "chunkIntervalMs", 20), "capacity-user-1", "simulated");
        String second = start(Map.of("chunks", 5000, "chunkIntervalMs", 20), "capacity-user-2", "simulated");

        String refused = start(Map.of("chunks", 5), "capacity-user-3", "simulated");

        assertThat(terminal(refused)).contains("\"code\":\"CAPACITY\"");
        generations.cancelLocally(first);
        generations.cancelLocally(second);
        assertThat(terminal(first)).contains("CANCELLED");
        assertThat(terminal(second)).contains("CANCELLED");
    }

    private String start(Map<String, Object> options) {
        return start(options, "breaker-user", "simulated");
    }

    private String start(Map<String, Object> options, String userId, String model) {
        String messageId = UUID.randomUUID().toString();
        generations.start(new ChatCommand(
                UUID.randomUUID().toString(),
                ChatCommand.START_STREAM,
                messageId,
                userId,
                "conv-" + messageId,
                "req-" + messageId,
                "session-1",
                "session-service-test",
                "hello",
                model,
                options,
                System.currentTimeMillis()));
        return messageId;
    }

    private String terminal(String messageId) {
        return HotLogFrames.awaitEnded(redis, messageId, Duration.ofSeconds(20))
                .getLast()
                .toString();
    }
}
