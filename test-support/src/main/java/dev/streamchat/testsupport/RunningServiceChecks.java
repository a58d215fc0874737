package dev.streamchat.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.launcher.process.Http.Credentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every service of the platform must show when it runs: healthy with the infrastructure it owns, liveness and
 * readiness groups for its probes, its settings taken from {@code config-repo/}, and only the curated actuator
 * endpoints. A service's {@code *IntegrationTests} extends this, annotated with {@link ServiceIntegrationTest} and
 * importing the infrastructure it needs.
 */
public abstract class RunningServiceChecks {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Credentials PLATFORM = new Credentials("platform", ServiceIntegrationTest.PLATFORM_PASSWORD);

    @LocalServerPort
    private int port;

    @Value("${spring.application.name}")
    private String applicationName;

    /** Health components that must be present and UP, such as {@code db} or {@code redis}. */
    protected abstract Set<String> infrastructureHealthComponents();

    @Test
    void isHealthyWithTheInfrastructureItOwns() {
        JsonNode health = getJson("/actuator/health");

        assertThat(health.path("status").asString()).isEqualTo("UP");
        for (String component : infrastructureHealthComponents()) {
            assertThat(health.path("components").path(component).path("status").asString())
                    .as("health of %s", component)
                    .isEqualTo("UP");
        }
    }

    @Test
    void answersLivenessAndReadinessProbesWithoutCredentials() {
        for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
            HttpResponse<String> response = get(probe, null);
            assertThat(response.statusCode()).as(probe).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).path("status").asString())
                    .as(probe)
                    .isEqualTo("UP");
        }
    }

    /** Paths that need the platform credentials; a service with public pages of its own narrows this. */
    protected List<String> platformOnlyPaths() {
        return List.of("/actuator/info", "/actuator/prometheus", "/");
    }

    @Test
    void asksForThePlatformCredentialsForEverythingButHealth() {
        for (String path : platformOnlyPaths()) {
            assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, new Credentials("platform", "wrong")).statusCode())
                    .as(path)
                    .isEqualTo(401);
        }
        assertThat(get("/actuator/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void takesItsSettingsFromConfigRepo() {
        JsonNode info = getJson("/actuator/info");

        assertThat(info.path("service").path("config-source").asString())
                .isEqualTo("config-repo/" + applicationName + ".yml");
        assertThat(info.path("platform").path("config-source").asString()).isEqualTo("config-repo/application.yml");
    }

    @Test
    void exposesPrometheusMetricsTaggedWithItsName() {
        HttpResponse<String> metrics = get("/actuator/prometheus", PLATFORM);

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("application=\"" + applicationName + "\"");
    }

    @Test
    void keepsInternalActuatorEndpointsClosed() {
        for (String endpoint : Set.of("env", "beans", "configprops", "heapdump", "threaddump", "shutdown")) {
            assertThat(get("/actuator/" + endpoint, PLATFORM).statusCode())
                    .as("/actuator/%s", endpoint)
                    .isEqualTo(404);
        }
    }

    /** A GET on the service, with HTTP Basic credentials, or without when null. */
    protected HttpResponse<String> get(String path, @Nullable Credentials credentials) {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20));
        if (credentials != null) {
            request.header("Authorization", credentials.basicAuthorization());
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The JSON body of a GET with the platform credentials, which must answer 200. */
    protected JsonNode getJson(String path) {
        HttpResponse<String> response = get(path, PLATFORM);
        assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
