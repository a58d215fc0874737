package dev.streamchat.gateway.security;

import static org.springframework.security.config.Customizer.withDefaults;

import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import reactor.core.publisher.Mono;

/**
 * The edge. Open: health, the web client's static files, and (local profile only) the dev-token endpoint. The
 * actuator's other endpoints need the platform credentials. Everything else, {@code /ws/chat} and {@code /api/**}
 * included, needs a valid JWT, from the {@code Authorization} header or the {@code access_token} query parameter.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
@EnableConfigurationProperties(JwtProperties.class)
public class SecurityConfiguration {

    static final String[] WEB_CLIENT = {
        "/", "/index.html", "/app.js", "/style.css", "/favicon.ico", "/dashboard.html", "/dashboard.js"
    };

    @Bean
    @Order(1)
    SecurityWebFilterChain actuatorSecurity(ServerHttpSecurity http) {
        return http.securityMatcher(ServerWebExchangeMatchers.pathMatchers("/actuator/**"))
                .authorizeExchange(exchanges -> exchanges
                        .pathMatchers("/actuator/health", "/actuator/health/**")
                        .permitAll()
                        .anyExchange()
                        .authenticated())
                .httpBasic(withDefaults())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .build();
    }

    @Bean
    @Order(2)
    SecurityWebFilterChain edgeSecurity(ServerHttpSecurity http, Environment environment) {
        var tokens = new ServerBearerTokenAuthenticationConverter();
        tokens.setAllowUriQueryParameter(true);
        boolean devTokens = environment.acceptsProfiles(Profiles.of("local"));
        return http.authorizeExchange(exchanges -> {
                    exchanges.pathMatchers(HttpMethod.GET, WEB_CLIENT).permitAll();
                    if (devTokens) {
                        exchanges
                                .pathMatchers(HttpMethod.POST, "/api/auth/dev-token")
                                .permitAll();
                    }
                    exchanges.anyExchange().authenticated();
                })
                .oauth2ResourceServer(
                        server -> server.bearerTokenConverter(tokens).jwt(withDefaults()))
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                // no cookies, no sessions: a bearer token cannot be sent by another site on the user's behalf
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                // and no web session looked up per request (its store hops to other threads for every request)
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .build();
    }

    /**
     * The platform user of {@code spring.security.user}, for the actuator. A plain lookup: Spring's map-backed store
     * re-encodes a {@code {noop}} password with BCrypt after the first login, making every later call pay for it.
     */
    @Bean
    ReactiveUserDetailsService platformUser(SecurityProperties properties) {
        var user = properties.getUser();
        UserDetails platform = User.withUsername(user.getName())
                .password("{noop}" + user.getPassword())
                .roles(user.getRoles().toArray(String[]::new))
                .build();
        return username -> Mono.justOrEmpty(
                platform.getUsername().equals(username)
                        ? User.withUserDetails(platform).build()
                        : null);
    }

    @Bean
    ReactiveJwtDecoder jwtDecoder(JwtProperties properties) {
        NimbusReactiveJwtDecoder decoder;
        if (properties.hmacSecret() != null && !properties.hmacSecret().isBlank()) {
            decoder = NimbusReactiveJwtDecoder.withSecretKey(secretKey(properties.hmacSecret()))
                    .macAlgorithm(MacAlgorithm.HS256)
                    .build();
        } else if (properties.jwkSetUri() != null && !properties.jwkSetUri().isBlank()) {
            decoder = NimbusReactiveJwtDecoder.withJwkSetUri(properties.jwkSetUri())
                    .build();
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

    /** The HS256 key of the local profile. */
    public static SecretKeySpec secretKey(String secret) {
        return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }
}
