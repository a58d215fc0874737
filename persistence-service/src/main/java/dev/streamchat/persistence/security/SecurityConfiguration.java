package dev.streamchat.persistence.security;

import static org.springframework.security.config.Customizer.withDefaults;

import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;
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
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * {@code /api/**}: the caller's JWT (the gateway checked it; it is checked again here, and every query is scoped to its
 * subject). {@code /internal/**} (service-to-service) and the actuator but health: the platform credentials.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JwtProperties.class)
class SecurityConfiguration {

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http) throws Exception {
        return http.securityMatcher("/api/**")
                .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
                .oauth2ResourceServer(server -> server.jwt(withDefaults()))
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain platformSecurity(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(
                        // and the error page: a request refused before its chain (a malformed URL) keeps its 400
                        requests -> requests.requestMatchers("/actuator/health", "/actuator/health/**", "/error")
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
            decoder = NimbusJwtDecoder.withSecretKey(
                            new SecretKeySpec(properties.hmacSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
                    .macAlgorithm(MacAlgorithm.HS256)
                    .build();
        } else if (properties.jwkSetUri() != null && !properties.jwkSetUri().isBlank()) {
            decoder = NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).build();
        } else {
            throw new IllegalStateException(
                    "Set streamchat.security.jwt.jwk-set-uri (or hmac-secret in the local profile)");
        }
        decoder.setJwtValidator(
                properties.issuer() == null || properties.issuer().isBlank()
                        ? JwtValidators.createDefault()
                        : new DelegatingOAuth2TokenValidator<>(
                                JwtValidators.createDefaultWithIssuer(properties.issuer())));
        return decoder;
    }
}
