package dev.streamchat.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * HS256 tokens for integration tests, signed with the secret {@link ServiceIntegrationTest} gives the service under
 * test (or any other secret, to prove a wrong signature is refused).
 */
public final class TestTokens {

    public static final String SECRET = "integration-test-hs256-secret-0123456789abcdef";
    public static final String ISSUER = "streamchat-test";

    private TestTokens() {}

    public static String valid(String userId) {
        return sign(userId, SECRET, Instant.now(), Duration.ofMinutes(10));
    }

    /** A valid token whose {@code roles} claim holds the given roles (as the gateway's dev tokens carry them). */
    public static String withRoles(String userId, String... roles) {
        return sign(userId, SECRET, ISSUER, Instant.now(), Duration.ofMinutes(10), java.util.List.of(roles));
    }

    public static String expired(String userId) {
        return sign(userId, SECRET, Instant.now().minus(Duration.ofHours(2)), Duration.ofMinutes(10));
    }

    public static String signedWithAnotherKey(String userId) {
        return sign(userId, "another-secret-that-nobody-trusts-0123456789", Instant.now(), Duration.ofMinutes(10));
    }

    public static String sign(String userId, String secret, Instant issuedAt, Duration lifetime) {
        return sign(userId, secret, ISSUER, issuedAt, lifetime);
    }

    public static String sign(String userId, String secret, String issuer, Instant issuedAt, Duration lifetime) {
        return sign(userId, secret, issuer, issuedAt, lifetime, java.util.List.of("user"));
    }

    private static String sign(
            String userId,
            String secret,
            String issuer,
            Instant issuedAt,
            Duration lifetime,
            java.util.List<String> roles) {
        var key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        var encoder = NimbusJwtEncoder.withSecretKey(key)
                .algorithm(MacAlgorithm.HS256)
                .build();
        var claims = JwtClaimsSet.builder()
                .subject(userId)
                .issuer(issuer)
                .issuedAt(issuedAt)
                .expiresAt(issuedAt.plus(lifetime))
                .claim("roles", roles)
                .build();
        return encoder.encode(JwtEncoderParameters.from(
                        JwsHeader.with(MacAlgorithm.HS256).build(), claims))
                .getTokenValue();
    }
}
