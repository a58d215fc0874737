package dev.streamchat.session.capacity;

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
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The durable path falling behind, on a real broker: persistence-service's group is made to hold records it has not
 * taken, and new answers are refused with a retryable CAPACITY, before anything is written for them, until the group
 * takes them; then the same request starts its answer.
 */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
class DurablePathLagIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    DurablePathLag durablePath;

    @Autowired
    CapacityProperties capacity;

    @Autowired
    MeterRegistry meters;

    @Autowired
    StringRedisTemplate redis;

    @Test
    void aDurablePathFallenBehindTurnsNewAnswersAwayUntilItHasCaughtUp() throws Exception {
        String bootstrap = TestInfrastructure.kafka().bootstrapServers();
        var partition = new TopicPartition("durable-lag-" + UUID.randomUUID(), 0);
        String group = capacity.durableGroups().getFirst();
        try (var producer = KafkaTestClients.producer(bootstrap);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), "m", "{}"))
                        .get();
            }
            // the group has taken none of the three
            admin.alterConsumerGroupOffsets(group, Map.of(partition, new OffsetAndMetadata(0)))
                    .all()
                    .get();
            await().atMost(WAIT).until(durablePath::refusing);
            assertThat(durablePath.lag()).isGreaterThan(capacity.maxDurableLag());
            assertThat(meters.get("streamchat.capacity.refusing")
                            .tag("cause", "durable-path")
                            .gauge()
                            .value())
                    .isEqualTo(1.0);
            assertThat(meters.get("streamchat.durable.lag")
                            .tag("group", group)
                            .gauge()
                            .value())
                    .isGreaterThan(capacity.maxDurableLag().toSeconds());

            String user = "patient-" + UUID.randomUUID();
            String conversationId = "catching-up-" + UUID.randomUUID();
            var request = Map.of(
                    "type", "CHAT_REQUEST", "requestId", "r-later", "conversationId", conversationId, "content", "hi");
            try (var client = ProtocolClient.connect(chat(), TestTokens.valid(user))) {
                assertThat(type(client.next())).isEqualTo("WELCOME");
                client.send(request);
                JsonNode refused = client.next();
                assertThat(type(refused)).isEqualTo("ERROR");
                assertThat(refused.path("code").asString()).isEqualTo("CAPACITY");
                assertThat(refused.path("retryable").asBoolean()).isTrue();
                assertThat(refused.path("requestId").asString()).isEqualTo("r-later");
                assertThat(refused.path("messageId").isMissingNode()
                                || refused.path("messageId").isNull())
                        .isTrue();
                assertThat(redis.hasKey("chat:conversation:" + conversationId + ":owner"))
                        .isFalse();
                assertThat(meters.get("streamchat.requests.refused")
                                .tag("code", "CAPACITY")
                                .counter()
                                .count())
                        .isPositive();

                // the group takes the three records
                admin.alterConsumerGroupOffsets(group, Map.of(partition, new OffsetAndMetadata(3)))
                        .all()
                        .get();
                await().atMost(WAIT).until(() -> !durablePath.refusing());
                assertThat(meters.get("streamchat.capacity.refusing")
                                .tag("cause", "durable-path")
                                .gauge()
                                .value())
                        .isZero();

                client.send(request);
                JsonNode started = client.next();
                assertThat(type(started)).isEqualTo("STREAM_STARTED");
                assertThat(started.path("requestId").asString()).isEqualTo("r-later");
            }
        }
    }

    private URI chat() {
        return URI.create("ws://localhost:" + port + "/ws/chat");
    }
}
