package dev.streamchat.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.ProtocolClient;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

/**
 * The edge outside the local profile: only health and the web client are open; the dev-token endpoint does not
 * exist; tokens are checked on every other path, WebSocket handshake included; {@code /api/**} is rate limited per
 * user in Redis.
 */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
@TestPropertySource(
        properties = {
            "streamchat.rate-limit.requests-per-second=1",
            "streamchat.rate-limit.burst=5",
            "streamchat.rate-limit.handshakes-per-second=1",
            "streamchat.rate-limit.handshake-burst=5"
        })
class EdgeSecurityIntegrationTests {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    int port;

    @Test
    void healthAndTheWebClientAreOpen() throws Exception {
        assertThat(get("/actuator/health", null).statusCode()).isEqualTo(200);
        HttpResponse<String> page = get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>streamchat</title>");
        assertThat(get("/app.js", null).statusCode()).isEqualTo(200);
    }

    @Test
    void theDevTokenEndpointDoesNotExistOutsideTheLocalProfile() throws Exception {
        var response = HTTP.send(
                HttpRequest.newBuilder(uri("/api/auth/dev-token"))
                        .timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"alice\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).doesNotContain("token");
    }

    @Test
    void apiAndActuatorNeedCredentials() throws Exception {
        assertThat(get("/api/conversations", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/conversations", "not-a-jwt").statusCode()).isEqualTo(401);
        assertThat(get("/api/conversations", TestTokens.expired("alice")).statusCode())
                .isEqualTo(401);
        assertThat(get("/api/conversations", TestTokens.signedWithAnotherKey("alice"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(get("/actuator/prometheus", TestTokens.valid("alice")).statusCode())
                .isEqualTo(401);
        assertThat(get("/api/conversations", TestTokens.valid("alice")).statusCode())
                .isNotEqualTo(401);
    }

    @Test
    void aTokenOfAnotherIssuerOrForAnotherAudienceIsRefused() throws Exception {
        assertThat(get("/api/conversations", TestTokens.from("alice", "https://elsewhere.example.com/", "streamchat"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(get("/api/conversations", TestTokens.from("alice", TestTokens.ISSUER, "another-application"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(
                        URI.create("ws://localhost:" + port + "/ws/chat"),
                        TestTokens.from("alice", TestTokens.ISSUER, "another-application")))
                .isEqualTo(401);
        assertThat(get("/api/conversations", TestTokens.from("alice", TestTokens.ISSUER, TestTokens.AUDIENCE))
                        .statusCode())
                .isNotEqualTo(401);
    }

    @Test
    void aTokenWhoseUserIdNoServiceCouldKeyDataByIsRefused() throws Exception {
        for (String userId : List.of("a".repeat(129), "two words", "nul\u0000", "bell\u0007", "tab\tbed")) {
            assertThat(get("/api/conversations", TestTokens.valid(userId)).statusCode())
                    .as(userId)
                    .isEqualTo(401);
        }
        assertThat(ProtocolClient.handshakeStatus(
                        URI.create("ws://localhost:" + port + "/ws/chat"), TestTokens.valid("two words")))
                .isEqualTo(401);
        assertThat(get("/api/conversations", TestTokens.valid("a".repeat(128))).statusCode())
                .isNotEqualTo(401);
        assertThat(get("/api/conversations", TestTokens.valid("auth0|5f7c:x@example.org"))
                        .statusCode())
                .isNotEqualTo(401);
    }

    @Test
    void theWebSocketHandshakeNeedsAValidToken() {
        URI chat = URI.create("ws://localhost:" + port + "/ws/chat");
        assertThat(ProtocolClient.handshakeStatus(chat, null)).isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(chat, TestTokens.expired("alice")))
                .isEqualTo(401);
        assertThat(ProtocolClient.handshakeStatus(
                        URI.create(chat + "?access_token=" + TestTokens.signedWithAnotherKey("alice")), null))
                .isEqualTo(401);
    }

    @Test
    void apiRequestsAreRateLimitedPerUser() throws Exception {
        String carol = TestTokens.valid("carol-" + System.nanoTime());
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(get("/api/analytics/summary", carol).statusCode());
        }
        // a burst of 5, then 1 per second: well over 10 of the 20 are refused, never the first 5
        assertThat(statuses.subList(0, 5)).doesNotContain(429);
        assertThat(statuses.stream().filter(status -> status == 429).count()).isGreaterThanOrEqualTo(10);
        assertThat(get("/api/analytics/summary", TestTokens.valid("dave-" + System.nanoTime()))
                        .statusCode())
                .isNotEqualTo(429);
    }

    @Test
    void webSocketHandshakesAreRateLimitedPerUserApartFromApiCalls() throws Exception {
        URI chat = URI.create("ws://localhost:" + port + "/ws/chat");
        String erin = TestTokens.valid("erin-" + System.nanoTime());
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // no session-service runs here: a handshake let through gets 503 from the route, one over the limit 429
            statuses.add(ProtocolClient.handshakeStatus(chat, erin));
        }
        assertThat(statuses.subList(0, 5)).doesNotContain(429);
        assertThat(statuses.stream().filter(status -> status == 429).count()).isGreaterThanOrEqualTo(10);
        assertThat(get("/api/analytics/summary", erin).statusCode()).isNotEqualTo(429);
        assertThat(ProtocolClient.handshakeStatus(chat, TestTokens.valid("frank-" + System.nanoTime())))
                .isNotEqualTo(429);
    }

    /**
     * One keep-alive connection, a request answered off the event loop (the rate limiter asks Redis) and then one
     * refused at once, many times over. Reactor Netty before 1.3.8 could stop reading such a connection (a request that
     * arrived before the previous one's end was buffered, and after the buffer drained nobody asked for more): the next
     * request waited until the client gave up (reactor-netty#4361).
     */
    @Test
    void aKeepAliveConnectionServesEveryRequest() throws Exception {
        String erin = TestTokens.valid("erin-" + System.nanoTime());
        for (int i = 0; i < 300; i++) {
            assertThat(get("/api/analytics/summary", erin, Duration.ofSeconds(5))
                            .statusCode())
                    .isIn(429, 503);
            assertThat(get("/api/conversations", null, Duration.ofSeconds(5)).statusCode())
                    .isEqualTo(401);
            assertThat(get("/api/conversations", "not-a-jwt", Duration.ofSeconds(5))
                            .statusCode())
                    .isEqualTo(401);
            assertThat(get("/api/conversations", "not-a-jwt", Duration.ofSeconds(5))
                            .statusCode())
                    .isEqualTo(401);
        }
    }

    private HttpResponse<String> get(String path, String bearer) throws Exception {
        return get(path, bearer, Duration.ofSeconds(20));
    }

    private HttpResponse<String> get(String path, String bearer, Duration timeout) throws Exception {
        var request = HttpRequest.newBuilder(uri(path)).timeout(timeout);
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
