package dev.streamchat.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.servlet.OAuth2ResourceServerAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/** The trust a service starts with, and the subject rule Boot's decoder applies with it. */
class TokenTrustAutoConfigurationTests {

    private static final String JWT = "spring.security.oauth2.resourceserver.jwt.";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    TokenTrustAutoConfiguration.class,
                    PlatformUserAutoConfiguration.class,
                    SecurityAutoConfiguration.class,
                    ServletWebSecurityAutoConfiguration.class,
                    UserDetailsServiceAutoConfiguration.class,
                    OAuth2ResourceServerAutoConfiguration.class));

    @Test
    void outsideTheLocalProfileAServiceWithoutIssuerOrAudienceDoesNotStart() {
        runner.withPropertyValues(JWT + "jwk-set-uri=https://idp.example.com/jwks")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .rootCause()
                            .hasMessageContaining("issuer-uri is required")
                            .hasMessageContaining("audiences is required");
                });
    }

    @Test
    void outsideTheLocalProfileTheDevTokenKeyIsRefused() {
        runner.withPropertyValues(
                        JWT + "jwk-set-uri=https://idp.example.com/jwks",
                        JWT + "issuer-uri=https://idp.example.com/",
                        JWT + "audiences=streamchat",
                        JWT + "public-key-location=classpath:dev-tokens.pub")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageContaining("public-key-location is the local profile's dev-token key"));
    }

    @Test
    void withAnIdentityProvidersKeysIssuerAndAudienceAServiceStartsAndChecksSubjects() {
        runner.withPropertyValues(
                        JWT + "jwk-set-uri=https://idp.example.com/jwks",
                        JWT + "issuer-uri=https://idp.example.com/",
                        JWT + "audiences=streamchat")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(JwtDecoder.class);
                    @SuppressWarnings("unchecked")
                    OAuth2TokenValidator<Jwt> subjects = context.getBean(OAuth2TokenValidator.class);
                    assertThat(subjects.validate(token("alice")).hasErrors()).isFalse();
                    assertThat(subjects.validate(token("two words")).hasErrors())
                            .isTrue();
                    assertThat(subjects.validate(token("x".repeat(129))).hasErrors())
                            .isTrue();
                });
    }

    @Test
    void theLocalProfileTrustsTheRunsPublicKeyWithAnAudience() {
        runner.withPropertyValues(
                        "spring.profiles.active=local",
                        JWT + "public-key-location=classpath:dev-tokens.pub",
                        JWT + "audiences=streamchat")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(JwtDecoder.class));
        runner.withPropertyValues("spring.profiles.active=local", JWT + "audiences=streamchat")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageContaining("public-key-location is required in the local profile"));
    }

    @Test
    void theRulesListEveryProblemAtOnce() {
        var nothing =
                new org.springframework.boot.security.oauth2.server.resource.autoconfigure
                                .OAuth2ResourceServerProperties()
                        .getJwt();

        assertThat(TokenTrust.problems(nothing, false)).hasSize(3);
        assertThat(TokenTrust.problems(nothing, true)).hasSize(2);
    }

    @Test
    void thePlatformUserIsLookedUpAsConfiguredAndNoOtherUserExists() {
        runner.withPropertyValues(
                        "spring.profiles.active=local",
                        JWT + "public-key-location=classpath:dev-tokens.pub",
                        JWT + "audiences=streamchat",
                        "spring.security.user.name=platform",
                        "spring.security.user.password=secret")
                .run(context -> {
                    var users = context.getBean(UserDetailsService.class);
                    var platform = users.loadUserByUsername("platform");
                    // as configured, not re-encoded: no BCrypt check on every Basic call
                    assertThat(platform.getPassword()).isEqualTo("{noop}secret");
                    assertThatThrownBy(() -> users.loadUserByUsername("someone"))
                            .isInstanceOf(UsernameNotFoundException.class);
                });
    }

    private static Jwt token(String subject) {
        return new Jwt(
                "token",
                Instant.now(),
                Instant.now().plusSeconds(60),
                Map.of("alg", "RS256"),
                Map.of("sub", subject, "aud", List.of("streamchat")));
    }
}
