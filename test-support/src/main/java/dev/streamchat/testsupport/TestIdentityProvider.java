package dev.streamchat.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The identity provider of a service's integration tests: serves the JWKS of {@link TestTokens}' key on loopback, and
 * gives the service under test the trust a deployment has (Boot's {@code jwk-set-uri}, {@code issuer-uri} and
 * {@code audiences}), below every other property source so that a test may change any of them. Only when
 * {@value #ENABLED}{@code =true}, as {@link ServiceIntegrationTest} sets it.
 */
public class TestIdentityProvider implements EnvironmentPostProcessor {

    public static final String ENABLED = "streamchat.test.identity-provider";

    private static volatile String jwkSetUri;

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty(ENABLED, Boolean.class, false)) {
            return;
        }
        String prefix = "spring.security.oauth2.resourceserver.jwt.";
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        "test-identity-provider",
                        Map.of(
                                prefix + "jwk-set-uri", jwkSetUri(),
                                prefix + "issuer-uri", TestTokens.ISSUER,
                                prefix + "audiences", TestTokens.AUDIENCE)));
    }

    /** Where the JWKS is served; the server starts with the first call and lives as long as the test JVM. */
    public static String jwkSetUri() {
        if (jwkSetUri == null) {
            synchronized (TestIdentityProvider.class) {
                if (jwkSetUri == null) {
                    jwkSetUri = start();
                }
            }
        }
        return jwkSetUri;
    }

    private static String start() {
        try {
            var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            byte[] jwks = TestTokens.publicJwkSet().getBytes(StandardCharsets.UTF_8);
            server.createContext("/jwks.json", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, jwks.length);
                try (var body = exchange.getResponseBody()) {
                    body.write(jwks);
                }
            });
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
