package dev.streamchat.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;

/** Each piece of test infrastructure is a real server, reached through the properties the configurations set. */
@SpringBootTest(properties = "spring.application.name=infrastructure-check")
@Import({
    PostgresTestConfiguration.class,
    RedisTestConfiguration.class,
    KafkaTestConfiguration.class,
    ZipkinTestConfiguration.class
})
class TestInfrastructureIntegrationTests {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {}

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    KafkaTemplate<String, String> kafka;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Value("${management.tracing.export.zipkin.endpoint}")
    String zipkinSpans;

    @Test
    void runsPostgresql18WithADatabaseOfItsOwnForEachContext() {
        assertThat(jdbc.queryForObject("SHOW server_version", String.class)).startsWith("18.");
        assertThat(jdbc.queryForObject("SELECT current_database()", String.class))
                .startsWith("infrastructure_check_");

        jdbc.execute("CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL)");
        jdbc.update("INSERT INTO notes VALUES (1, 'kept')");

        assertThat(jdbc.queryForObject("SELECT text FROM notes WHERE id = 1", String.class))
                .isEqualTo("kept");
    }

    @Test
    void storesAndPublishesInRedis() {
        redis.opsForValue().set("greeting", "hello");
        redis.opsForStream().add("log", Map.of("index", "0"));

        assertThat(redis.opsForValue().get("greeting")).isEqualTo("hello");
        assertThat(redis.opsForStream().size("log")).isEqualTo(1);
    }

    @Test
    void carriesRecordsThroughAKafkaBroker() throws Exception {
        String topic = "check-" + UUID.randomUUID();
        kafka.send(topic, "key", "value").get(30, TimeUnit.SECONDS);

        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "check",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(consumer.poll(Duration.ofMillis(500)))
                            .extracting(r -> r.key() + "=" + r.value())
                            .containsExactly("key=value"));
        }
    }

    @Test
    void keepsSpansInZipkin() {
        var zipkin = new Endpoints.Zipkin(zipkinSpans.replace("/api/v2/spans", ""));

        String traceId = zipkin.sendSpan("test-support");

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(zipkin.trace(traceId))
                        .hasValueSatisfying(trace -> assertThat(trace).contains("\"serviceName\":\"test-support\"")));
    }
}
