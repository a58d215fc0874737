package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamchat.launcher.LocalStack;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What operators see of an answer: its one trace in Zipkin across the services, its figures in the analytics API,
 * and the dashboard drawing them in Debian's headless Chromium.
 */
@ExtendWith(SharedStack.class)
@Order(5)
class ObservabilityE2ETests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Set<String> SERVICES = Set.of(
            "gateway-service", "session-service", "orchestrator-service", "persistence-service", "analytics-service");

    private final LocalStack stack;
    private final Edge edge;

    ObservabilityE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    void oneAnswerIsOneTraceThroughTheGatewaySessionOrchestratorPersistenceAndAnalytics() throws Exception {
        String messageId;
        try (var client =
                edge.connect(edge.token("traced-" + UUID.randomUUID().toString().substring(0, 8)), null)) {
            client.client()
                    .send(Map.of(
                            "type",
                            "CHAT_REQUEST",
                            "requestId",
                            "t-" + UUID.randomUUID(),
                            "content",
                            "trace me",
                            "options",
                            Map.of("chunks", 5, "chunkIntervalMs", 0)));
            messageId = client.client()
                    .next(Duration.ofSeconds(30))
                    .path("messageId")
                    .asString();
            assertThat(type(client.client()
                            .untilTerminal(messageId, Duration.ofSeconds(60))
                            .getLast()))
                    .isEqualTo("COMPLETE");
        }

        // spans arrive in batches: wait for the whole trace
        var trace = new AtomicReference<JsonNode>();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    JsonNode traces = zipkin("/api/v2/traces?lookback=3600000&limit=10&annotationQuery="
                            + URLEncoder.encode("messageId=" + messageId, StandardCharsets.UTF_8));
                    assertThat(traces).hasSize(1);
                    assertThat(services(traces.get(0))).containsAll(SERVICES);
                    var ids = new HashSet<String>();
                    traces.get(0).forEach(span -> ids.add(span.path("id").asString()));
                    int roots = 0;
                    for (JsonNode span : traces.get(0)) {
                        if (span.hasNonNull("parentId")) {
                            assertThat(ids)
                                    .as("parent of " + span)
                                    .contains(span.path("parentId").asString());
                        } else {
                            roots++;
                        }
                    }
                    assertThat(roots).isEqualTo(1);
                    trace.set(traces.get(0));
                });
        // Redis commands are spans of the trace too (Lettuce's observation), e.g. the hot log's appends
        var remote = new HashSet<String>();
        trace.get()
                .forEach(span -> remote.add(span.path("remoteEndpoint")
                        .path("serviceName")
                        .asString("")
                        .toLowerCase(java.util.Locale.ROOT)));
        assertThat(remote).as("remote services of the trace").contains("redis");
        String traceId = trace.get().get(0).path("traceId").asString();
        JsonNode line = logLine("orchestrator-service", messageId);
        assertThat(line.path("traceId").asString()).as(line.toString()).isEqualTo(traceId);
        assertThat(line.path("spanId").asString()).as(line.toString()).isNotBlank();
        assertThat(line.path("userId").asString()).as(line.toString()).startsWith("traced-");
        System.out.printf(
                "Trace of answer %s: %d spans from %s, calling %s%n",
                messageId, trace.get().size(), services(trace.get()), remote);
    }

    @Test
    void theAnalyticsApiCountsEveryAnswerWithItsTimeToFirstChunkAndTheDashboardDrawsThem() throws Exception {
        String user = "measured-" + UUID.randomUUID().toString().substring(0, 8);
        String token = edge.token(user);
        int answers = 4;
        int intervalMs = 200;
        try (var client = edge.connect(token, null)) {
            for (int i = 0; i < answers; i++) {
                client.client()
                        .send(Map.of(
                                "type",
                                "CHAT_REQUEST",
                                "requestId",
                                "m-" + i + "-" + UUID.randomUUID(),
                                "content",
                                "count me",
                                "options",
                                Map.of("chunks", 3, "chunkIntervalMs", intervalMs)));
                String messageId = client.client()
                        .next(Duration.ofSeconds(30))
                        .path("messageId")
                        .asString();
                client.client().untilTerminal(messageId, Duration.ofSeconds(60));
            }
        }

        var model = new AtomicReference<JsonNode>();
        await().atMost(Edge.PERSISTENCE_CATCH_UP)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    JsonNode summary = edge.get("/api/analytics/summary", token).json();
                    assertThat(summary.path("scope").asString()).isEqualTo("user");
                    assertThat(summary.path("models")).hasSize(1);
                    model.set(summary.path("models").get(0));
                    assertThat(model.get().path("answers").asInt()).isEqualTo(answers);
                });
        JsonNode figures = model.get();
        System.out.println("Analytics of " + answers + " answers (" + intervalMs + " ms to each chunk): " + figures);
        assertThat(figures.path("key").asString()).isEqualTo("simulated");
        assertThat(figures.path("errors").asInt()).isZero();
        // the simulated model waits the interval before each chunk; the system adds its own time on top
        assertThat(figures.path("ttfcP50Ms").asDouble()).isBetween(intervalMs * 0.9, intervalMs + 1000.0);
        assertThat(figures.path("ttfcP99Ms").asDouble()).isBetween(intervalMs * 0.9, intervalMs + 2000.0);
        assertThat(figures.path("durationP50Ms").asDouble()).isGreaterThanOrEqualTo(3 * intervalMs * 0.9);
        assertThat(figures.path("tokensPerSecond").asDouble()).isPositive();

        // the admin of the local profile (a dev token from the gateway) sees every user, this one with the same count
        JsonNode all =
                edge.get("/api/analytics/summary", edge.devToken("admin")).json();
        assertThat(all.path("scope").asString()).isEqualTo("all");
        var users = new HashMap<String, Integer>();
        all.path("users")
                .forEach(group -> users.put(
                        group.path("key").asString(), group.path("answers").asInt()));
        assertThat(users).containsEntry(user, answers).hasSizeGreaterThan(1);

        dashboardShows(user, answers);
    }

    /** The dashboard, signed in as the user, shows the answers in its table and a point on each chart. */
    private void dashboardShows(String user, int answers) {
        Path chromium = Path.of("/usr/bin/chromium");
        Path chromedriver = Path.of("/usr/bin/chromedriver");
        assumeTrue(
                Files.isExecutable(chromium) && Files.isExecutable(chromedriver),
                "Chromium is not installed here (apt-get install chromium chromium-driver): dashboard check skipped");
        var options = new ChromeOptions()
                .setBinary(chromium.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
        var browser = new ChromeDriver(
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(chromedriver.toFile())
                        .build(),
                options);
        try {
            // the hourly rollups behind the charts are recomputed every few seconds
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(3))
                    .untilAsserted(() -> {
                        browser.get(edge.gateway().baseUrl() + "/dashboard.html");
                        browser.findElement(By.id("user")).sendKeys(user);
                        browser.findElement(By.id("sign-in")).click();
                        new WebDriverWait(browser, Duration.ofSeconds(20))
                                .until(driver -> "true"
                                        .equals(driver.findElement(By.tagName("body"))
                                                .getDomAttribute("data-loaded")));
                        var row = browser.findElement(By.cssSelector("#models tr[data-model='simulated']"));
                        assertThat(row.findElements(By.tagName("td")).get(1).getText())
                                .isEqualTo(String.valueOf(answers));
                        for (String chart :
                                new String[] {"chart-ttfc", "chart-tps", "chart-errors", "chart-recoveries"}) {
                            assertThat(browser.findElements(By.cssSelector("#" + chart + " circle.point")))
                                    .as(chart)
                                    .isNotEmpty();
                        }
                    });
        } finally {
            browser.quit();
        }
    }

    /** The first JSON log line of any instance of the module whose messageId field is the given one. */
    private JsonNode logLine(String module, String messageId) throws Exception {
        for (var instance : stack.settings().services()) {
            if (!instance.module().equals(module)) {
                continue;
            }
            for (String line :
                    Files.readAllLines(stack.service(instance.instanceId()).logFile())) {
                if (line.startsWith("{") && line.contains(messageId)) {
                    JsonNode json = JSON.readTree(line);
                    if (messageId.equals(json.path("messageId").asString())) {
                        return json;
                    }
                }
            }
        }
        throw new AssertionError("no JSON log line with messageId " + messageId + " from " + module);
    }

    private static Set<String> services(JsonNode trace) {
        var services = new HashSet<String>();
        trace.forEach(span ->
                services.add(span.path("localEndpoint").path("serviceName").asString()));
        return services;
    }

    private JsonNode zipkin(String path) throws Exception {
        var response = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.zipkin().baseUrl() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
