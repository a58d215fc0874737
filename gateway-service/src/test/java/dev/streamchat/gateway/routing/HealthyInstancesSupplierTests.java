package dev.streamchat.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/** Readiness probes against real local HTTP servers: only ready instances are listed, and the list follows them. */
class HealthyInstancesSupplierTests {

    private final HttpServer ready = server(new AtomicInteger(200));
    private final AtomicInteger secondStatus = new AtomicInteger(503);
    private final HttpServer second = server(secondStatus);

    @AfterEach
    void stop() {
        ready.stop(0);
        second.stop(0);
    }

    @Test
    void listsOnlyReadyInstancesAndFollowsChanges() {
        var discovery = new StaticDiscovery(List.of(instance("node-1", ready), instance("node-2", second)));
        var supplier = new HealthyInstancesSupplier(
                discovery,
                WebClient.create(),
                "/actuator/health/readiness",
                Duration.ofMillis(100),
                Duration.ofMillis(500));

        await().untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1"));

        secondStatus.set(200);
        await().untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1", "node-2"));

        ready.stop(0);
        await().untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-2"));
    }

    private static List<String> ids(ServiceInstanceListSupplier supplier) {
        return supplier.get().blockFirst(Duration.ofSeconds(2)).stream()
                .map(ServiceInstance::getInstanceId)
                .toList();
    }

    private static HttpServer server(AtomicInteger status) {
        try {
            var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/actuator/health/readiness", exchange -> {
                exchange.sendResponseHeaders(status.get(), -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ServiceInstance instance(String id, HttpServer server) {
        return new DefaultServiceInstance(
                id, "session-service", "127.0.0.1", server.getAddress().getPort(), false);
    }

    private record StaticDiscovery(List<ServiceInstance> instances) implements ServiceInstanceListSupplier {
        @Override
        public String getServiceId() {
            return "session-service";
        }

        @Override
        public Flux<List<ServiceInstance>> get() {
            return Flux.just(instances);
        }
    }
}
