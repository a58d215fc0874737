package dev.streamchat.session.security;

import static org.springframework.security.config.Customizer.withDefaults;

import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Two doors. {@code /ws/**}: a valid JWT (header, or {@code access_token} in the query since browsers cannot set
 * headers on a WebSocket), checked here even though the gateway checked it, so a client that skips the gateway gets
 * nothing. Everything else: health is open, the rest needs the platform credentials.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JwtProperties.class)
class SecurityConfiguration {

    @Bean
    @Order(1)
    SecurityFilterChain chatSecurity(HttpSecurity http) throws Exception {
        var tokens = new DefaultBearerTokenResolver();
        tokens.setAllowUriQueryParameter(true);
        return http.securityMatcher("/ws/**")
                .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
                .oauth2ResourceServer(
                        server -> server.bearerTokenResolver(tokens).jwt(withDefaults()))
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain platformSecurity(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(
                        requests -> requests.requestMatchers("/actuator/health", "/actuator/health/**")
                                .permitAll()
                                .anyRequest()
                                .authenticated())
                .httpBasic(withDefaults())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .build();
    }

    /**
     * The platform user of {@code spring.security.user}. A plain lookup on purpose: Spring's in-memory user store
     * re-encodes a {@code {noop}} password with BCrypt after the first login, and then every Basic-authenticated
     * call paid a BCrypt check (tens of ms of CPU; the benchmark's profile found it).
     */
    @Bean
    UserDetailsService platformUser(SecurityProperties properties) {
        var user = properties.getUser();
        UserDetails platform = User.withUsername(user.getName())
                .password("{noop}" + user.getPassword())
                .roles("PLATFORM")
                .build();
        return username -> {
            if (!platform.getUsername().equals(username)) {
                throw new UsernameNotFoundException(username);
            }
            return User.withUserDetails(platform).build();
        };
    }

    @Bean
    JwtDecoder jwtDecoder(JwtProperties properties) {
        NimbusJwtDecoder decoder;
        if (properties.hmacSecret() != null && !properties.hmacSecret().isBlank()) {
            var key = new SecretKeySpec(properties.hmacSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
            decoder = NimbusJwtDecoder.withSecretKey(key)
                    .macAlgorithm(MacAlgorithm.HS256)
                    .build();
        } else if (properties.jwkSetUri() != null && !properties.jwkSetUri().isBlank()) {
            decoder = NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).build();
        } else {
            throw new IllegalStateException(
                    "Set streamchat.security.jwt.jwk-set-uri (or hmac-secret in the local profile)");
        }
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                properties.issuer() == null || properties.issuer().isBlank()
                        ? JwtValidators.createDefault()
                        : JwtValidators.createDefaultWithIssuer(properties.issuer()),
                new JwtClaimValidator<String>(JwtClaimNames.SUB, SecurityConfiguration::isUserId)));
        return decoder;
    }

    /**
     * A token's subject is the user id that every service keys its data by, in Redis keys and in columns of 128
     * characters: 1 to 128 characters, none of them a space, a control character or half of a surrogate pair. A token
     * with another subject is refused (401).
     */
    static boolean isUserId(@Nullable String subject) {
        return subject != null
                && !subject.isEmpty()
                && subject.length() <= 128
                && subject.codePoints()
                        .noneMatch(c -> Character.isWhitespace(c)
                                || Character.isISOControl(c)
                                || Character.getType(c) == Character.SURROGATE);
    }
}
