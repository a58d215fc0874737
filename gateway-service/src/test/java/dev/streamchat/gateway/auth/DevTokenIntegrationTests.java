package dev.streamchat.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local profile's dev tokens: signed with the run's private key, accepted by the gateway itself, refused for a bad
 * user id.
 */
@ServiceIntegrationTest
@ActiveProfiles("local")
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
@TestPropertySource(
        properties = {
            "streamchat.security.dev-tokens.admins=ops,root",
            // the test identity provider's issuer, so that the gateway under test accepts what it signs
            "streamchat.security.dev-tokens.issuer=" + TestTokens.ISSUER
        })
class DevTokenIntegrationTests {

    @DynamicPropertySource
    static void signingKey(DynamicPropertyRegistry registry) {
        // the key a run of ./chat up makes, played by the test identity provider's
        registry.add("streamchat.security.dev-tokens.private-key-location", () -> "file:" + TestTokens.privateKeyPem());
    }

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @Test
    void issuesASignedTokenTheGatewayAccepts() throws Exception {
        HttpResponse<String> response = post("{\"userId\":\"alice\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        String token = body.path("token").asString();
        assertThat(token.split("\\.")).hasSize(3);
        assertThat(Instant.parse(body.path("expiresAt").asString())).isAfter(Instant.now());
        var withToken = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/conversations"))
                        .timeout(Duration.ofSeconds(20))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(withToken.statusCode()).isNotEqualTo(401);
    }

    @Test
    void servesThePublicHalfOfItsKeyForServicesThatCannotReadTheKeyFile() throws Exception {
        String token = JSON.readTree(post("{\"userId\":\"alice\"}").body())
                .path("token")
                .asString();
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));

        var jwks = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/auth/dev-jwks"))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(jwks.statusCode()).isEqualTo(200);
        JsonNode key = JSON.readTree(jwks.body()).path("keys").path(0);
        assertThat(header.path("alg").asString()).isEqualTo("RS256");
        assertThat(key.path("kid").asString()).isEqualTo(header.path("kid").asString());
        assertThat(key.path("kty").asString()).isEqualTo("RSA");
        assertThat(key.has("d")).as("no private part").isFalse();
    }

    @Test
    void givesTheAdminRoleToTheConfiguredAdminsOnly() throws Exception {
        assertThat(roles("ops")).containsExactly("user", "admin");
        assertThat(roles("root")).containsExactly("user", "admin");
        assertThat(roles("alice")).containsExactly("user");
        assertThat(roles("ops2")).containsExactly("user");
    }

    @Test
    void refusesABadUserIdWithAProblemDetail() throws Exception {
        for (String body : new String[] {
            "{\"userId\":\"\"}", "{\"userId\":\"a b\"}", "{}", "{\"userId\":\"" + "x".repeat(65) + "\"}"
        }) {
            HttpResponse<String> response = post(body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        }
    }

    private List<String> roles(String userId) throws Exception {
        HttpResponse<String> response = post("{\"userId\":\"" + userId + "\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        String payload = JSON.readTree(response.body()).path("token").asString().split("\\.")[1];
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(payload));
        assertThat(claims.path("sub").asString()).isEqualTo(userId);
        assertThat(claims.path("aud").toString()).contains("streamchat");
        var roles = new ArrayList<String>();
        claims.path("roles").forEach(role -> roles.add(role.asString()));
        return roles;
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/auth/dev-token"))
                        .timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
