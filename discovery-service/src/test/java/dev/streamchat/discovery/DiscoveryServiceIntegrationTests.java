package dev.streamchat.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry and the Config Server, on a real server, as the services and the launcher use them; with a real Kafka
 * broker for the bus that announces configuration changes.
 */
@Import(KafkaTestConfiguration.class)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "PLATFORM_PASSWORD=" + DiscoveryServiceIntegrationTests.PASSWORD,
            "spring.cloud.config.server.native.search-locations=file:../config-repo/"
        })
class DiscoveryServiceIntegrationTests {

    static final String PASSWORD = "test-platform-password";
    private static final String PLATFORM = "platform:" + PASSWORD;

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    private int port;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "gateway-service",
                "session-service",
                "orchestrator-service",
                "recovery-service",
                "persistence-service",
                "analytics-service"
            })
    void servesEachServiceItsConfigurationFromConfigRepo(String service) {
        HttpResponse<String> response = get("/config/" + service + "/local", PLATFORM, null);

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> sources = new ArrayList<>();
        JSON.readTree(response.body())
                .path("propertySources")
                .forEach(s -> sources.add(s.path("name").asString()));
        // most specific first, as the client applies them
        assertThat(sources)
                .hasSize(3)
                .satisfies(names -> assertThat(names.get(0)).contains("config-repo/application-local.yml"))
                .satisfies(names -> assertThat(names.get(1)).contains("config-repo/" + service + ".yml"))
                .satisfies(names -> assertThat(names.get(2)).contains("config-repo/application.yml"));
    }

    @Test
    void asksForThePlatformCredentialsEverywhereButHealth() {
        for (String path : List.of("/", "/eureka/apps", "/config/session-service/local", "/actuator/info")) {
            assertThat(get(path, null, null).statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, "platform:wrong", null).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(get("/actuator/health", null, null).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/health/readiness", null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void configuresItselfFromItsOwnFile() {
        JsonNode info = JSON.readTree(get("/actuator/info", PLATFORM, null).body());

        assertThat(info.path("service").path("config-source").asString())
                .isEqualTo("discovery-service/src/main/resources/application.yml");
    }

    @Test
    void registersAnInstanceAndListsIt() {
        String instance = """
                {"instance": {
                  "instanceId": "test-service-1", "app": "TEST-SERVICE", "hostName": "localhost",
                  "ipAddr": "127.0.0.1", "status": "UP", "vipAddress": "test-service",
                  "port": {"$": 9999, "@enabled": "true"},
                  "dataCenterInfo": {"@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo",
                                     "name": "MyOwn"}
                }}""";

        HttpResponse<String> registered = send(HttpRequest.newBuilder(uri("/eureka/apps/TEST-SERVICE"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", basic(PLATFORM))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(instance)));
        HttpResponse<String> listed = get("/eureka/apps/TEST-SERVICE", PLATFORM, "application/json");

        assertThat(registered.statusCode()).isEqualTo(204);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains("\"instanceId\":\"test-service-1\"");
    }

    private HttpResponse<String> get(String path, @Nullable String credentials, @Nullable String accept) {
        var request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .GET();
        if (credentials != null) {
            request.header("Authorization", basic(credentials));
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }
}
