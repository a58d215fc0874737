package dev.streamchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.ServiceInstance;
import dev.streamchat.launcher.StackSettings;
import dev.streamchat.launcher.process.Http;
import dev.streamchat.launcher.process.Ports;
import dev.streamchat.testsupport.Endpoints;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Assumptions;
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
        // the run's copy of config-repo/ (a test may change it, see LiveConfigurationE2ETests)
        assertThat(sources)
                .anyMatch(name -> name.contains(SharedStack.CONFIG_REPO + "/session-service.yml"))
                .anyMatch(name -> name.contains(SharedStack.CONFIG_REPO + "/application-local.yml"));
    }

    @Test
    void zipkinStoresASpanAndReturnsItsTrace() {
        var zipkin = new Endpoints.Zipkin(stack.zipkin().baseUrl());

        String traceId = zipkin.sendSpan("e2e-smoke");

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(zipkin.trace(traceId))
                        .hasValueSatisfying(trace -> assertThat(trace).contains("\"serviceName\":\"e2e-smoke\"")));
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

    @Test
    void everyPortOfTheStackListensOnLoopbackOnly() throws SocketException {
        List<InetAddress> elsewhere = NetworkInterface.networkInterfaces()
                .filter(network -> {
                    try {
                        return network.isUp() && !network.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> !address.isLinkLocalAddress())
                .toList();
        Assumptions.assumeFalse(elsewhere.isEmpty(), "this machine has no address but loopback");
        var reachable = new java.util.ArrayList<String>();
        settings.portUsers().forEach((port, user) -> {
            if (!Ports.isListening(port)) {
                return;
            }
            for (InetAddress address : elsewhere) {
                try (var socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port), 1_000);
                    reachable.add(user + " on " + address.getHostAddress() + ":" + port);
                } catch (IOException refused) {
                    // what loopback-only means
                }
            }
        });

        assertThat(reachable).as("reachable from other machines").isEmpty();
    }
}
