package dev.streamchat.gateway.auth;

import dev.streamchat.gateway.security.JwtProperties;
import dev.streamchat.gateway.security.SecurityConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/auth/dev-token {"userId": "..."}}: a signed token for any user name, so that the system can be
 * tried without an identity provider. It exists in the {@code local} profile only; elsewhere tokens come from the
 * identity provider whose JWKS the services trust.
 */
@RestController
@Profile("local")
class DevTokenController {

    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    private final JwtEncoder encoder;
    private final @Nullable String issuer;
    private final Duration lifetime;
    private final Set<String> admins;

    DevTokenController(
            JwtProperties properties,
            @Value("${streamchat.security.dev-tokens.lifetime:12h}") Duration lifetime,
            @Value("${streamchat.security.dev-tokens.admins:}") Set<String> admins) {
        if (properties.hmacSecret() == null || properties.hmacSecret().isBlank()) {
            throw new IllegalStateException("Dev tokens need streamchat.security.jwt.hmac-secret");
        }
        this.encoder = NimbusJwtEncoder.withSecretKey(SecurityConfiguration.secretKey(properties.hmacSecret()))
                .algorithm(MacAlgorithm.HS256)
                .build();
        this.issuer = properties.issuer();
        this.lifetime = lifetime;
        this.admins = Set.copyOf(admins);
    }

    @PostMapping("/api/auth/dev-token")
    ResponseEntity<?> devToken(@RequestBody(required = false) @Nullable DevTokenRequest request) {
        if (request == null
                || request.userId() == null
                || !USER_ID.matcher(request.userId()).matches()) {
            var problem = ProblemDetail.forStatusAndDetail(
                    HttpStatus.BAD_REQUEST, "userId must be 1 to 64 letters, digits or . _ @ -");
            problem.setTitle("Invalid user id");
            return ResponseEntity.of(problem).build();
        }
        Instant now = Instant.now();
        Instant expiresAt = now.plus(lifetime);
        var claims = JwtClaimsSet.builder()
                .subject(request.userId())
                .issuedAt(now)
                .expiresAt(expiresAt)
                .claim("roles", admins.contains(request.userId()) ? List.of("user", "admin") : List.of("user"));
        if (issuer != null && !issuer.isBlank()) {
            claims.issuer(issuer);
        }
        String token = encoder.encode(JwtEncoderParameters.from(
                        JwsHeader.with(MacAlgorithm.HS256).build(), claims.build()))
                .getTokenValue();
        return ResponseEntity.ok(new DevToken(token, expiresAt));
    }

    /** The request body. */
    record DevTokenRequest(@Nullable String userId) {}

    /** The answer: the token and when it expires. */
    record DevToken(String token, Instant expiresAt) {}
}
