package dev.streamchat.gateway.routing;

import java.util.UUID;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/** Sticky WebSocket routing and per-user rate-limit keys. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RoutingProperties.class)
@LoadBalancerClient(name = "session-service", configuration = SessionAffinityConfiguration.class)
class RoutingConfiguration {

    static final String CHAT_PATH = "/ws/chat";

    /**
     * Gives a handshake without a session id one, before the route and the load balancer see it: the client learns it
     * from WELCOME and sends it again on reconnect, so it comes back to the same node.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    GlobalFilter assignSessionId() {
        return (exchange, chain) -> {
            var request = exchange.getRequest();
            if (!CHAT_PATH.equals(request.getPath().value())
                    || request.getQueryParams().containsKey(SessionAffinityLoadBalancer.SESSION_ID)) {
                return chain.filter(exchange);
            }
            var uri = UriComponentsBuilder.fromUri(request.getURI())
                    .queryParam(SessionAffinityLoadBalancer.SESSION_ID, UUID.randomUUID())
                    .build(true)
                    .toUri();
            return chain.filter(
                    exchange.mutate().request(request.mutate().uri(uri).build()).build());
        };
    }

    /** Keeps the authenticated user's id where {@link TraceContextHeaders} puts it in the forwarded baggage. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    GlobalFilter userIdOfTheToken() {
        return (exchange, chain) -> exchange.getPrincipal()
                .doOnNext(principal -> exchange.getAttributes().put(TraceContextHeaders.USER_ID, principal.getName()))
                .then(chain.filter(exchange));
    }

    /**
     * WebSocket handshakes count per user too, in a bucket of their own: a reconnect loop spends its own budget, not
     * the user's API calls.
     */
    @Bean
    KeyResolver handshakeKeyResolver() {
        return exchange -> exchange.getPrincipal()
                .map(principal -> "handshake:" + principal.getName())
                .switchIfEmpty(Mono.just("handshake:anonymous"));
    }

    /** Rate limits count per user (the token's subject); the resolver a rate limit uses unless it names another. */
    @Bean
    @Primary
    KeyResolver userKeyResolver() {
        return exchange ->
                exchange.getPrincipal().map(principal -> principal.getName()).switchIfEmpty(Mono.just("anonymous"));
    }

    /** The health checks of the load balancer call instances with this (Boot 4 gives none on WebFlux alone). */
    @Bean
    WebClient.Builder webClientBuilder() {
        return WebClient.builder();
    }
}
