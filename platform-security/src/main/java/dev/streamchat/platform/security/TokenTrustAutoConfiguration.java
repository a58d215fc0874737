package dev.streamchat.platform.security;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;

/**
 * For a service that takes users' tokens: its trust checked at start ({@link TokenTrust}), and a subject that is no
 * user id refused (401) beside Boot's own checks (signature, times, issuer, audience), since Boot adds every
 * {@code OAuth2TokenValidator<Jwt>} bean to the decoder it builds.
 */
@AutoConfiguration
@ConditionalOnClass({Jwt.class, OAuth2ResourceServerProperties.class})
@EnableConfigurationProperties(OAuth2ResourceServerProperties.class)
public class TokenTrustAutoConfiguration {

    @Bean
    OAuth2TokenValidator<Jwt> userIdSubjectValidator() {
        return new JwtClaimValidator<String>(JwtClaimNames.SUB, UserIds::isUserId);
    }

    @Bean
    TokenTrustCheck tokenTrustCheck(OAuth2ResourceServerProperties properties, Environment environment) {
        TokenTrust.require(properties.getJwt(), environment.acceptsProfiles(Profiles.of("local")));
        return new TokenTrustCheck();
    }

    /** The trace of the check in the context: it ran, and passed. */
    public static final class TokenTrustCheck {}
}
