package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.ServiceInstance;
import dev.streamchat.testsupport.ProtocolClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A change in config-repo/ reaches the running services without a restart: the Config Server sees the changed file
 * and announces it on Spring Cloud Bus (Kafka); every instance fetches its configuration again. Checked on every
 * instance (a log level) and in behaviour (session-service's content limit, on both nodes), then put back.
 */
@ExtendWith(SharedStack.class)
@Order(15)
class LiveConfigurationE2ETests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final String LOGGER = "dev.streamchat.livecheck";

    private final LocalStack stack;
    private final Edge edge;

    LiveConfigurationE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    void aChangedFileInTheConfigRepoReachesEveryInstanceWithoutARestart() throws Exception {
        Path shared = SharedStack.CONFIG_REPO.resolve("application.yml");
        Path session = SharedStack.CONFIG_REPO.resolve("session-service.yml");
        String sharedBefore = Files.readString(shared);
        String sessionBefore = Files.readString(session);
        List<ServiceInstance> services = stack.settings().services().stream()
                .filter(instance -> !instance.module().equals("discovery-service"))
                .toList();
        services.forEach(instance ->
                assertThat(level(instance)).as(instance.instanceId()).isNotEqualTo("DEBUG"));
        try {
            long changed = System.nanoTime();
            // edited in place: a refresh replaces a file's property source, but one a new "---" document made would
            // outlive the document's removal until the next restart
            Files.writeString(
                    shared, replaceOnce(sharedBefore, "\n  level:\n", "\n  level:\n    " + LOGGER + ": DEBUG\n"));
            Files.writeString(session, replaceOnce(sessionBefore, "max-content-chars: 10000", "max-content-chars: 20"));

            for (ServiceInstance instance : services) {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(level(instance))
                                .as(instance.instanceId())
                                .isEqualTo("DEBUG"));
            }
            System.out.printf(
                    "Live configuration: %d instances had the new log level %.1f s after the file changed%n",
                    services.size(), (System.nanoTime() - changed) / 1e9);
            for (ServiceInstance node : edge.sessionNodes()) {
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(answerTo("x".repeat(50), node)
                                        .path("message")
                                        .asString())
                                .as(node.instanceId())
                                .contains("at most 20"));
            }
        } finally {
            Files.writeString(shared, sharedBefore);
            Files.writeString(session, sessionBefore);
        }
        for (ServiceInstance node : edge.sessionNodes()) {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        JsonNode frame = answerTo("x".repeat(50), node);
                        assertThat(type(frame))
                                .as(node.instanceId() + " " + frame)
                                .isEqualTo("STREAM_STARTED");
                    });
        }
    }

    private static String replaceOnce(String text, String what, String with) {
        assertThat(text).as("config-repo file").containsOnlyOnce(what);
        return text.replace(what, with);
    }

    /** The first frame a session node answers a CHAT_REQUEST with {@code content} with. */
    private JsonNode answerTo(String content, ServiceInstance node) {
        try (var client =
                ProtocolClient.connect(Edge.chat(node, "live-" + UUID.randomUUID()), edge.token("live-config"))) {
            client.next(Duration.ofSeconds(10));
            client.send(Map.of(
                    "type",
                    "CHAT_REQUEST",
                    "requestId",
                    "live-" + UUID.randomUUID(),
                    "content",
                    content,
                    "options",
                    Map.of("chunks", 1, "chunkIntervalMs", 0)));
            return client.next(Duration.ofSeconds(10));
        }
    }

    /**
     * The configured level of the check's logger on one instance ({@code /actuator/loggers}, platform credentials);
     * empty while no configuration names it.
     */
    private String level(ServiceInstance instance) {
        var credentials = stack.platformCredentials();
        HttpResponse<String> response;
        try {
            response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(instance.baseUrl() + "/actuator/loggers/" + LOGGER))
                            .timeout(Duration.ofSeconds(5))
                            .header(
                                    "Authorization",
                                    "Basic "
                                            + Base64.getEncoder()
                                                    .encodeToString(
                                                            (credentials.username() + ":" + credentials.password())
                                                                    .getBytes(StandardCharsets.UTF_8)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(instance.instanceId() + " did not answer", e);
        }
        if (response.statusCode() == 404) {
            return ""; // no such logger yet: nothing configured it
        }
        assertThat(response.statusCode())
                .as(instance.instanceId() + ": " + response.body())
                .isEqualTo(200);
        return JSON.readTree(response.body()).path("configuredLevel").asString("");
    }
}
