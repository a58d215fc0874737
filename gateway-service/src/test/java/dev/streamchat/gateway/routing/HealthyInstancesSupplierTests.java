package dev.streamchat.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * Readiness probes against real local HTTP servers: only ready instances are listed, the list follows them, and a
 * late probe is not taken for a dead node.
 */
class HealthyInstancesSupplierTests {

    private final CountDownLatch released = new CountDownLatch(1);
    private final HttpServer ready = server(new AtomicInteger(200), new AtomicBoolean());
    private final AtomicInteger secondStatus = new AtomicInteger(503);
    private final AtomicBoolean secondLate = new AtomicBoolean();
    private final HttpServer second = server(secondStatus, secondLate);
    private final HttpServer alwaysLate = server(new AtomicInteger(200), new AtomicBoolean(true));

    @AfterEach
    void stop() {
        released.countDown();
        ready.stop(0);
        second.stop(0);
        alwaysLate.stop(0);
    }

    @Test
    void listsOnlyReadyInstancesAndFollowsChanges() {
        var discovery = new StaticDiscovery(List.of(instance("node-1", ready), instance("node-2", second)));
        var supplier = new HealthyInstancesSupplier(
                discovery,
                WebClient.create(),
                "/actuator/health/readiness",
                Duration.ofMillis(100),
                Duration.ofMillis(500),
                2);

        await().untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1"));

        secondStatus.set(200);
        await().untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1", "node-2"));

        ready.stop(0);
        await().untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-2"));
    }

    @Test
    void aListedNodeWhoseProbesAreLateStaysListedForTheToleratedProbesThenLeavesAndComesBack() {
        secondStatus.set(200);
        var discovery = new StaticDiscovery(
                List.of(instance("node-1", ready), instance("node-2", second), instance("node-3", alwaysLate)));
        var supplier = new HealthyInstancesSupplier(
                discovery,
                WebClient.create(),
                "/actuator/health/readiness",
                Duration.ofMillis(50),
                Duration.ofMillis(200),
                3);
        await().untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1", "node-2"));

        // busy: its probes time out, three rounds of at least 200 ms each before it goes; node-3 was never listed
        secondLate.set(true);
        await().during(Duration.ofMillis(400))
                .atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1", "node-2"));
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1"));

        secondLate.set(false);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(ids(supplier)).containsExactly("node-1", "node-2"));
    }

    private static List<String> ids(ServiceInstanceListSupplier supplier) {
        return supplier.get().blockFirst(Duration.ofSeconds(2)).stream()
                .map(ServiceInstance::getInstanceId)
                .toList();
    }

    /** A readiness endpoint; while {@code late}, each request waits (for the end of the test) before it is answered. */
    private HttpServer server(AtomicInteger status, AtomicBoolean late) {
        try {
            var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/actuator/health/readiness", exchange -> {
                if (late.get()) {
                    try {
                        released.await(1, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                exchange.sendResponseHeaders(status.get(), -1);
                exchange.close();
            });
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
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
