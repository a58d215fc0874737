package dev.streamchat.gateway.auth;

import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.security.dev-tokens.*}, the local profile's dev tokens.
 *
 * @param privateKeyLocation where the private half (PKCS#8 PEM) of the RSA key pair that {@code ./chat up} makes for
 *     each run is ({@code DEV_TOKEN_PRIVATE_KEY}); every service trusts its public half. Without it (the k8s local
 *     overlay) the gateway makes a key pair as it starts and serves its public half at {@code /api/auth/dev-jwks}
 * @param issuer the tokens' {@code iss}
 * @param audience the tokens' {@code aud}: what every service's {@code audiences} asks for
 * @param lifetime how long a token is valid
 * @param admins users whose tokens carry the {@code admin} role too
 */
@ConfigurationProperties("streamchat.security.dev-tokens")
record DevTokenProperties(
        @Nullable String privateKeyLocation,
        @DefaultValue("streamchat-local") String issuer,
        @DefaultValue("streamchat") String audience,
        @DefaultValue("12h") Duration lifetime,
        @DefaultValue Set<String> admins) {}
