package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.process.ManagedProcess;
import dev.streamchat.launcher.process.Ports;
import dev.streamchat.launcher.process.Processes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's Prometheus with deploy/prometheus/'s configuration (its hosts pointed at this stack) scrapes every instance
 * it finds through Eureka, evaluates every alert rule without error, and has every metric that the alert rules and
 * the Grafana dashboard of deploy/grafana/ read. Skipped, saying so, where Prometheus is not installed ({@code .ci/run}
 * installs it).
 */
@ExtendWith(SharedStack.class)
@Order(6)
class MonitoringE2ETests {

    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The metrics of ours and of our libraries that a query names (functions, labels and keywords are not). */
    private static final Pattern METRIC =
            Pattern.compile("\\b((?:streamchat|spring_cloud_stream|resilience4j|jvm|process)_[a-z0-9_]+)");

    private final LocalStack stack;
    private final Edge edge;

    @TempDir
    Path directory;

    MonitoringE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    void prometheusScrapesEveryInstanceAndHasEveryMetricTheAlertsAndTheDashboardRead() throws Exception {
        assumeTrue(
                Files.isExecutable(PROMETHEUS),
                "Prometheus is not installed here (apt-get install prometheus): deploy/prometheus was not run");
        Path root = stack.settings().repositoryRoot();
        Path password = directory.resolve("platform_password");
        Files.writeString(password, stack.platformCredentials().password());
        Files.writeString(
                directory.resolve("prometheus.yml"),
                Files.readString(root.resolve("deploy/prometheus/prometheus.yml"))
                        .replace(
                                "discovery-service:8761",
                                "localhost:" + stack.settings().discovery().port())
                        .replace("/run/secrets/platform_password", password.toString())
                        .replace("15s", "2s"));
        Files.copy(root.resolve("deploy/prometheus/alerts.yml"), directory.resolve("alerts.yml"));
        int port = Ports.findFree();
        var prometheus = ManagedProcess.start(
                "prometheus",
                List.of(
                        PROMETHEUS.toString(),
                        "--config.file=" + directory.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + directory.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port),
                Map.of(),
                directory.resolve("prometheus.log"));
        try {
            String api = "http://127.0.0.1:" + port + "/api/v1/";
            Set<String> expected = new TreeSet<>();
            stack.settings().services().forEach(instance -> expected.add(instance.instanceId()));
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        var up = new TreeSet<String>();
                        for (JsonNode target :
                                get(api + "targets?state=active").path("data").path("activeTargets")) {
                            if (target.path("health").asString().equals("up")) {
                                up.add(target.path("labels").path("instance").asString());
                            }
                        }
                        assertThat(up)
                                .as(
                                        "instances Prometheus scrapes; its log:%n%s",
                                        Processes.tail(prometheus.logFile(), 20))
                                .isEqualTo(expected);
                    });

            produceEveryKindOfEvent();

            Set<String> wanted = new TreeSet<>();
            wanted.addAll(metricsIn(Files.readString(root.resolve("deploy/prometheus/alerts.yml"))));
            wanted.addAll(metricsIn(Files.readString(root.resolve("deploy/grafana/streamchat.json"))));
            await().atMost(Edge.PERSISTENCE_CATCH_UP)
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        var names = new TreeSet<String>();
                        get(api + "label/__name__/values").path("data").forEach(name -> names.add(name.asString()));
                        assertThat(names).as("metrics Prometheus holds").containsAll(wanted);
                    });
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        var rules = new ArrayList<String>();
                        for (JsonNode group : get(api + "rules").path("data").path("groups")) {
                            for (JsonNode rule : group.path("rules")) {
                                assertThat(rule.path("health").asString())
                                        .as(rule.path("name") + ": " + rule.path("lastError"))
                                        .isEqualTo("ok");
                                rules.add(rule.path("name").asString());
                            }
                        }
                        assertThat(rules).hasSize(8);
                    });
            // the stack is healthy and idle: nothing fires
            assertThat(get(api + "alerts").path("data").path("alerts")).isEmpty();
            System.out.printf(
                    "Prometheus scraped %s and held the %d metrics the alerts and the dashboard read%n",
                    expected, wanted.size());
        } finally {
            prometheus.stop(Duration.ofSeconds(10));
        }
    }

    /** Answers, one refused (over the user's answers at once), and a resume: every counter exists after. */
    private void produceEveryKindOfEvent() {
        try (var client = edge.connect(
                edge.token("monitored-" + UUID.randomUUID().toString().substring(0, 8)), null)) {
            // as many answers as one user may have at once (application.yml: answers-per-user), each under way (its
            // orchestrator has counted it once its first chunk is out), then one more
            int allowed = 5;
            for (int i = 0; i < allowed; i++) {
                client.client().send(request("mon-" + i));
            }
            var streaming = new HashSet<String>();
            var completed = new HashSet<String>();
            client.client()
                    .until(
                            frame -> see(frame, streaming, completed) && streaming.size() == allowed,
                            Duration.ofSeconds(30));
            client.client().send(request("mon-" + allowed));
            JsonNode refused = client.client()
                    .until(
                            frame -> see(frame, streaming, completed)
                                    && type(frame).equals("ERROR")
                                    && frame.path("requestId").asString().equals("mon-" + allowed),
                            Duration.ofSeconds(30))
                    .getLast();
            assertThat(refused.path("code").asString()).isEqualTo("RATE_LIMITED");
            if (!completed.containsAll(streaming)) {
                client.client()
                        .until(
                                frame -> see(frame, streaming, completed) && completed.containsAll(streaming),
                                Duration.ofSeconds(60));
            }
            String resumed = streaming.iterator().next();
            client.client().send(Map.of("type", "RECONNECT", "messageId", resumed, "lastChunkIndex", 0));
            JsonNode recovery = client.client()
                    .until(frame -> type(frame).equals("RECOVERY"), Duration.ofSeconds(30))
                    .getLast();
            assertThat(recovery.path("status").asString()).isIn("RECOVERED", "COMPLETED");
        }
    }

    private static Map<String, Object> request(String requestId) {
        return Map.of(
                "type",
                "CHAT_REQUEST",
                "requestId",
                requestId,
                "content",
                "watch me",
                "options",
                Map.of("chunks", 10, "chunkIntervalMs", 300));
    }

    /** Notes the answers that sent a chunk and those that completed; always true, to be used in a condition. */
    private static boolean see(JsonNode frame, Set<String> streaming, Set<String> completed) {
        switch (type(frame)) {
            case "CHUNK" -> streaming.add(frame.path("messageId").asString());
            case "COMPLETE" -> completed.add(frame.path("messageId").asString());
            default -> {}
        }
        return true;
    }

    private static Set<String> metricsIn(String text) {
        var names = new TreeSet<String>();
        METRIC.matcher(text).results().forEach(match -> names.add(match.group(1)));
        return names;
    }

    private static JsonNode get(String url) throws Exception {
        var response = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
