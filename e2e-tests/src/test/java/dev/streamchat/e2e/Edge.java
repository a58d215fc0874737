package dev.streamchat.e2e;

import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.ServiceInstance;
import dev.streamchat.testsupport.ProtocolClient;
import dev.streamchat.testsupport.TestTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.FileSystemResource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The system as a client sees it: the gateway's dev tokens and WebSocket, and each session-service node directly. */
final class Edge {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * How long a test waits for persistence-service to hold an answer: it may still be applying the events of the
     * load tests that ran before (tens of thousands of chunks).
     */
    static final Duration PERSISTENCE_CATCH_UP = Duration.ofSeconds(120);

    private final LocalStack stack;

    Edge(LocalStack stack) {
        this.stack = stack;
    }

    ServiceInstance gateway() {
        return instance("gateway-service");
    }

    List<ServiceInstance> sessionNodes() {
        return stack.settings().services().stream()
                .filter(instance -> instance.module().equals("session-service"))
                .toList();
    }

    ServiceInstance instance(String module) {
        return stack.settings().services().stream()
                .filter(instance -> instance.module().equals(module))
                .findFirst()
                .orElseThrow();
    }

    String devToken(String userId) {
        try {
            var response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(gateway().baseUrl() + "/api/auth/dev-token"))
                            .timeout(Duration.ofSeconds(20))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("dev token: " + response.statusCode() + " " + response.body());
            }
            return JSON.readTree(response.body()).path("token").asString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A token signed with this run's dev-token key, issuer and audience, valid or not depending on the times given. */
    String localToken(String userId, Instant issuedAt, Duration lifetime) {
        try {
            var local = new YamlPropertySourceLoader()
                    .load(
                            "local",
                            new FileSystemResource(stack.settings().configRepo().resolve("application-local.yml")))
                    .getFirst();
            return TestTokens.signWith(
                    stack.devTokenKeys().privateKey(),
                    userId,
                    String.valueOf(local.getProperty("streamchat.security.dev-tokens.issuer")),
                    String.valueOf(local.getProperty("streamchat.security.dev-tokens.audience")),
                    issuedAt,
                    lifetime);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A token of the local profile, valid for an hour. */
    String token(String userId) {
        return localToken(userId, Instant.now(), Duration.ofHours(1));
    }

    /** {@code GET} through the gateway as the token's user. */
    Reply get(String path, String token) {
        return send(
                HttpRequest.newBuilder(URI.create(gateway().baseUrl() + path)).GET(), token);
    }

    /** {@code POST} of a JSON body through the gateway as the token's user. */
    Reply post(String path, String token, Object body) {
        return send(
                HttpRequest.newBuilder(URI.create(gateway().baseUrl() + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))),
                token);
    }

    private static Reply send(HttpRequest.Builder request, String token) {
        try {
            var response = HTTP.send(
                    request.timeout(Duration.ofSeconds(20))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer: its status and body. */
    record Reply(int status, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    URI chatThroughGateway(@Nullable String sessionId) {
        return chat(gateway(), sessionId);
    }

    static URI chat(ServiceInstance instance, @Nullable String sessionId) {
        String base = instance.baseUrl().replaceFirst("^http", "ws") + "/ws/chat";
        return URI.create(
                sessionId == null ? base : base + "?sessionId=" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8));
    }

    /**
     * Connects through the gateway, offering the subprotocols if any (none: protocol v1), and reads WELCOME; retried
     * for a while, since the gateway learns the session nodes from Eureka a few seconds after they register.
     */
    Connected connect(String token, @Nullable String sessionId, String... subprotocols) {
        var connected = new AtomicReference<Connected>();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> {
                    var client = ProtocolClient.connect(chatThroughGateway(sessionId), token, subprotocols);
                    connected.set(new Connected(client, client.next(Duration.ofSeconds(5))));
                    return true;
                });
        return connected.get();
    }

    /** A client and the WELCOME it got. */
    record Connected(ProtocolClient client, JsonNode welcome) implements AutoCloseable {
        String nodeId() {
            return welcome.path("nodeId").asString();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
