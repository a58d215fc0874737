package dev.streamchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.ServiceInstance;
import dev.streamchat.launcher.StackSettings;
import dev.streamchat.launcher.process.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** The whole system, as ./chat up starts it, is really up: every service, its registration, its configuration, and
 * the infrastructure they share. */
@ExtendWith(SharedStack.class)
class SystemSmokeE2ETests {

    private final LocalStack stack;
    private final StackSettings settings;

    SystemSmokeE2ETests(LocalStack stack) {
        this.stack = stack;
        this.settings = stack.settings();
    }

    @Test
    void everyServiceInstanceIsUpWithItsProbes() {
        for (ServiceInstance instance : settings.services()) {
            for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
                assertThat(Http.isUp(instance.baseUrl() + path))
                        .as("%s%s", instance.instanceId(), path)
                        .isTrue();
            }
        }
    }

    @Test
    void everyServiceInstanceIsRegisteredInEurekaAndUp() {
        JsonNode applications = Http.getJson(
                        settings.discovery().baseUrl() + "/eureka/apps", stack.platformCredentials())
                .orElseThrow()
                .path("applications")
                .path("application");
        Map<String, String> statusByInstance = new HashMap<>();
        applications.forEach(application -> application
                .path("instance")
                .forEach(instance -> statusByInstance.put(
                        instance.path("instanceId").asString(),
                        instance.path("status").asString())));

        var expected = settings.services().stream()
                .filter(s -> !s.equals(settings.discovery()))
                .map(ServiceInstance::instanceId)
                .toList();
        assertThat(statusByInstance).containsOnlyKeys(expected);
        assertThat(statusByInstance)
                .allSatisfy((instance, status) -> assertThat(status).isEqualTo("UP"));
    }

    @Test
    void everyServiceTookItsSettingsFromConfigRepoThroughTheConfigServer() {
        for (ServiceInstance instance : settings.services()) {
            if (instance.equals(settings.discovery())) {
                continue;
            }
            assertThat(Http.getJson(instance.baseUrl() + "/actuator/info", null))
                    .as("%s without credentials", instance.instanceId())
                    .isEmpty();
            JsonNode info = Http.getJson(instance.baseUrl() + "/actuator/info", stack.platformCredentials())
                    .orElseThrow();

            // each value exists only in config-repo/, which only the Config Server reads
            assertThat(info.path("service").path("config-source").asString())
                    .as(instance.instanceId())
                    .isEqualTo("config-repo/" + instance.module() + ".yml");
            assertThat(info.path("platform").path("config-source").asString()).isEqualTo("config-repo/application.yml");
            assertThat(info.path("platform").path("profile").asString())
                    .as("from config-repo/application-local.yml")
                    .isEqualTo("local");
        }
    }

    @Test
    void theConfigServerServesConfigRepoOnlyToThePlatform() {
        String url = settings.discovery().baseUrl() + "/config/session-service/local";

        assertThat(Http.getJson(url, null)).isEmpty();
        JsonNode config = Http.getJson(url, stack.platformCredentials()).orElseThrow();
        Set<String> sources = new HashSet<>();
        config.path("propertySources")
                .forEach(source -> sources.add(source.path("name").asString()));
        assertThat(sources)
                .anyMatch(name -> name.contains(settings.configRepo() + "/session-service.yml"))
                .anyMatch(name -> name.contains(settings.configRepo() + "/application-local.yml"));
    }

    @Test
    void zipkinStoresASpanAndReturnsItsTrace() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String span = """
                [{"traceId": "%s", "id": "%s", "name": "smoke", "timestamp": %d, "duration": 10,
                  "localEndpoint": {"serviceName": "e2e-smoke"}}]""".formatted(traceId, traceId, System.currentTimeMillis() * 1000);
        var http = HttpClient.newHttpClient();
        String zipkin = stack.zipkin().baseUrl();

        int accepted = http.send(
                        HttpRequest.newBuilder(URI.create(zipkin + "/api/v2/spans"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(span))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();

        assertThat(accepted).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(Http.getJson(zipkin + "/api/v2/trace/" + traceId, null))
                        .hasValueSatisfying(
                                trace -> assertThat(trace.toString()).contains("e2e-smoke")));
    }

    @Test
    void postgresHasADatabaseForEachServiceThatOwnsTablesAndEachServiceUsesItsOwn() throws Exception {
        assertThat(stack.postgres().databases()).containsAll(LocalStack.DATABASES);

        try (var connection = DriverManager.getConnection(stack.postgres().jdbcUrl("postgres"), "postgres", "");
                var rows = connection
                        .createStatement()
                        .executeQuery(
                                "SELECT DISTINCT usename, datname FROM pg_stat_activity WHERE datname <> 'postgres'")) {
            Map<String, String> databaseByUser = new HashMap<>();
            while (rows.next()) {
                databaseByUser.put(rows.getString(1), rows.getString(2));
            }
            // each service connects as its own role to its own database: orchestrator -> orchestrator, ...
            for (String database : LocalStack.DATABASES) {
                assertThat(databaseByUser).containsEntry(database, database);
            }
        }
    }

    @Test
    void kafkaHasTheTopicsOfTheDesign() throws Exception {
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            Map<String, TopicDescription> topics =
                    admin.describeTopics(LocalStack.TOPICS).allTopicNames().get(30, TimeUnit.SECONDS);

            assertThat(topics).containsOnlyKeys(LocalStack.TOPICS);
            assertThat(topics.values())
                    .allSatisfy(topic -> assertThat(topic.partitions()).hasSize(LocalStack.TOPIC_PARTITIONS));
        }
    }
}
