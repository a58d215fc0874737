package dev.streamchat.analytics.security;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code streamchat.security.jwt.*}: how tokens are checked. An HS256 secret in the {@code local} profile (the one
 * the gateway's dev tokens are signed with), a JWKS URI everywhere else; the issuer is checked when set.
 */
@ConfigurationProperties("streamchat.security.jwt")
public record JwtProperties(
        @Nullable String hmacSecret,
        @Nullable String jwkSetUri,
        @Nullable String issuer) {}
