package dev.streamchat.analytics.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamchat.testsupport.Endpoints;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * analytics-service on a broker that takes only clients that log in (SASL), given the login as a deployment gives it:
 * {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG} (config-repo's
 * application.yml). Its consumers (Spring Cloud Stream's binder) join their group with it; a client without the login
 * gets nothing from that broker.
 */
@ServiceIntegrationTest
@Import(PostgresTestConfiguration.class)
class KafkaCredentialsIntegrationTests {

    private static final Endpoints.KafkaWithLogin KAFKA = TestInfrastructure.kafkaWithLogin();

    @DynamicPropertySource
    static void kafkaWithLogin(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", KAFKA::bootstrapServers);
        registry.add("spring.cloud.stream.kafka.binder.brokers", KAFKA::bootstrapServers);
        registry.add("KAFKA_SECURITY_PROTOCOL", () -> "SASL_PLAINTEXT");
        registry.add("KAFKA_SASL_MECHANISM", () -> "PLAIN");
        registry.add("KAFKA_SASL_JAAS_CONFIG", KAFKA::jaasConfig);
    }

    @Test
    void theServiceConsumesWithTheLoginItWasGiven() {
        try (Admin admin = Admin.create(KAFKA.clientProperties())) {
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(admin.describeConsumerGroups(List.of("analytics-service"))
                                    .all()
                                    .get(10, TimeUnit.SECONDS)
                                    .get("analytics-service")
                                    .members())
                            .isNotEmpty());
        }
    }

    @Test
    void aClientWithoutTheLoginGetsNothing() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000))) {
            // the broker drops a connection that does not start with a SASL handshake: the call times out
            assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
                    .isInstanceOfAny(ExecutionException.class, TimeoutException.class);
        }
    }
}
