package dev.streamchat.gateway.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
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
 *
 * <p>A probe that is late is not a node that is down: a node busy with a burst of handshakes answers slowly, and
 * dropping it from the list moved every session it held to the other nodes (and, were every node busy, refused
 * handshakes with 503). A listed node stays listed through {@code lateProbesTolerated} late probes in a row; a node
 * that refuses the connection (dead) or answers not ready (shutting down) leaves the list at once.
 */
final class HealthyInstancesSupplier extends DelegatingServiceInstanceListSupplier {

    private enum Probe {
        READY,
        NOT_READY,
        LATE
    }

    private final Flux<List<ServiceInstance>> healthy;
    private final int lateProbesTolerated;
    private final Map<String, Integer> lateProbes = new ConcurrentHashMap<>();
    private volatile Set<String> listed = Set.of();

    HealthyInstancesSupplier(
            ServiceInstanceListSupplier discovery,
            WebClient web,
            String path,
            Duration interval,
            Duration timeout,
            int lateProbesTolerated) {
        super(discovery);
        this.lateProbesTolerated = lateProbesTolerated;
        this.healthy = Flux.interval(Duration.ZERO, interval)
                .onBackpressureDrop()
                .concatMap(tick -> discovery
                        .get()
                        .next()
                        .defaultIfEmpty(List.of())
                        .flatMap(instances -> Flux.fromIterable(instances)
                                .flatMapSequential(instance ->
                                        probe(web, instance, path, timeout).map(probe -> Map.entry(instance, probe)))
                                .collectList()
                                .map(this::keep))
                        .onErrorResume(error -> Mono.empty()))
                .distinctUntilChanged()
                .replay(1)
                .autoConnect();
    }

    @Override
    public Flux<List<ServiceInstance>> get() {
        return healthy;
    }

    /** The instances to list after a round of probes; called one round at a time. */
    private List<ServiceInstance> keep(List<Map.Entry<ServiceInstance, Probe>> probed) {
        var kept = new ArrayList<ServiceInstance>();
        for (var entry : probed) {
            String id = entry.getKey().getInstanceId();
            switch (entry.getValue()) {
                case READY -> {
                    lateProbes.remove(id);
                    kept.add(entry.getKey());
                }
                case NOT_READY -> lateProbes.remove(id);
                case LATE -> {
                    int late = lateProbes.merge(id, 1, Integer::sum);
                    if (listed.contains(id) && late <= lateProbesTolerated) {
                        kept.add(entry.getKey());
                    }
                }
            }
        }
        listed = Set.copyOf(kept.stream().map(ServiceInstance::getInstanceId).toList());
        return kept;
    }

    private static Mono<Probe> probe(WebClient web, ServiceInstance instance, String path, Duration timeout) {
        return web.get()
                .uri(instance.getUri() + path)
                .exchangeToMono(response -> response.releaseBody()
                        .thenReturn(response.statusCode().value() == 200 ? Probe.READY : Probe.NOT_READY))
                .timeout(timeout)
                .onErrorResume(TimeoutException.class, late -> Mono.just(Probe.LATE))
                .onErrorReturn(Probe.NOT_READY);
    }
}
