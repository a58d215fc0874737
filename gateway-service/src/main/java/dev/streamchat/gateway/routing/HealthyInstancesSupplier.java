package dev.streamchat.gateway.routing;

import java.time.Duration;
import java.util.List;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The instances from discovery that answer their readiness probe, checked all together every interval, and published
 * only as a whole list. Spring Cloud's own health-check supplier either never refreshes its list from discovery
 * (so nodes that register after the gateway started are never used) or publishes the list as the checks come in, one
 * instance at a time, and a handshake that sees such a partial list would move its session to another node.
 */
final class HealthyInstancesSupplier extends DelegatingServiceInstanceListSupplier {

    private final Flux<List<ServiceInstance>> healthy;

    HealthyInstancesSupplier(
            ServiceInstanceListSupplier discovery, WebClient web, String path, Duration interval, Duration timeout) {
        super(discovery);
        this.healthy = Flux.interval(Duration.ZERO, interval)
                .onBackpressureDrop()
                .concatMap(tick -> discovery
                        .get()
                        .next()
                        .defaultIfEmpty(List.of())
                        .flatMap(instances -> Flux.fromIterable(instances)
                                .flatMapSequential(instance -> ready(web, instance, path, timeout)
                                        .filter(Boolean::booleanValue)
                                        .map(ready -> instance))
                                .collectList())
                        .onErrorResume(error -> Mono.empty()))
                .distinctUntilChanged()
                .replay(1)
                .autoConnect();
    }

    @Override
    public Flux<List<ServiceInstance>> get() {
        return healthy;
    }

    private static Mono<Boolean> ready(WebClient web, ServiceInstance instance, String path, Duration timeout) {
        return web.get()
                .uri(instance.getUri() + path)
                .exchangeToMono(response ->
                        response.releaseBody().thenReturn(response.statusCode().value() == 200))
                .timeout(timeout)
                .onErrorReturn(false);
    }
}
