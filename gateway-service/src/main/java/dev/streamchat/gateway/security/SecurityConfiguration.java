package dev.streamchat.gateway.security;

import static org.springframework.security.config.Customizer.withDefaults;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;

/**
 * The edge. Open: health, the web client's static files, and (local profile only) the dev-token endpoint and its
 * public key. The actuator's other endpoints need the platform credentials. Everything else, {@code /ws/chat} and
 * {@code /api/**} included, needs a valid JWT, from the {@code Authorization} header or the {@code access_token}
 * query parameter.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
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
                                .permitAll()
                                .pathMatchers(HttpMethod.GET, "/api/auth/dev-jwks")
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
}
