package dev.streamchat.gateway.security;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code streamchat.security.jwt.*}: an HS256 secret in the {@code local} profile (it also signs the dev tokens), a
 * JWKS URI everywhere else; the issuer is checked when set.
 */
@ConfigurationProperties("streamchat.security.jwt")
public record JwtProperties(
        @Nullable String hmacSecret,
        @Nullable String jwkSetUri,
        @Nullable String issuer) {}
