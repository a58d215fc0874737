package dev.streamchat.platform.security;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;

/**
 * Which tokens a service may trust, checked once at start so that a service never runs trusting too much. Everywhere:
 * an audience ({@code audiences}), so that a token the identity provider made for another application is refused.
 * Outside the {@code local} profile: keys from an identity provider ({@code jwk-set-uri}, or {@code issuer-uri}'s
 * discovery), and its issuer ({@code issuer-uri}), checked on every token; the {@code public-key-location} of the
 * local profile's dev tokens is refused there. In the {@code local} profile: the public key of the key pair that
 * {@code ./chat up} makes for each run, or an identity provider.
 */
public final class TokenTrust {

    private static final String PREFIX = "spring.security.oauth2.resourceserver.jwt.";

    private TokenTrust() {}

    /** What is wrong with {@code jwt} for a service that is {@code local} or not; empty when nothing is. */
    public static List<String> problems(OAuth2ResourceServerProperties.Jwt jwt, boolean local) {
        var problems = new ArrayList<String>();
        if (jwt.getAudiences().isEmpty()) {
            problems.add(PREFIX + "audiences is required (JWT_AUDIENCE): the audience tokens must be made for");
        }
        boolean identityProvider = hasText(jwt.getJwkSetUri()) || hasText(jwt.getIssuerUri());
        if (local) {
            if (!identityProvider && jwt.getPublicKeyLocation() == null) {
                problems.add(PREFIX + "public-key-location is required in the local profile (./chat up sets it to its"
                        + " run's key), or an identity provider's jwk-set-uri");
            }
            return problems;
        }
        if (!hasText(jwt.getJwkSetUri()) && !hasText(jwt.getIssuerUri())) {
            problems.add(PREFIX + "jwk-set-uri is required outside the local profile (JWT_JWK_SET_URI): the identity"
                    + " provider's keys");
        }
        if (!hasText(jwt.getIssuerUri())) {
            problems.add(PREFIX + "issuer-uri is required outside the local profile (JWT_ISSUER): the issuer every"
                    + " token must name");
        }
        if (jwt.getPublicKeyLocation() != null) {
            problems.add(PREFIX + "public-key-location is the local profile's dev-token key and is refused outside"
                    + " it: keys come from the identity provider");
        }
        return problems;
    }

    /** Refuses to start a service whose trust is not what {@link #problems} asks. */
    static void require(OAuth2ResourceServerProperties.Jwt jwt, boolean local) {
        List<String> problems = problems(jwt, local);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("This service would trust tokens it must not; fix its configuration:\n  - "
                    + String.join("\n  - ", problems));
        }
    }

    private static boolean hasText(@Nullable String value) {
        return value != null && !value.isBlank();
    }
}
