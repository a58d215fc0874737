package dev.streamchat.session.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;

/**
 * The call to recovery-service against a real HTTP server that does not answer: a call whose caller has gone (its
 * thread interrupted) is given up at once, under way or waiting for a free call.
 */
class RecoveryClientTests {

    private final CountDownLatch answer = new CountDownLatch(1);
    private final AtomicInteger asked = new AtomicInteger();
    private HttpServer recoveryService;
    private RecoveryClient client;

    @BeforeEach
    void aRecoveryServiceThatAnswersWhenToldTo() throws IOException {
        recoveryService = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        recoveryService.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        recoveryService.createContext("/api/recovery", exchange -> {
            asked.incrementAndGet();
            try {
                answer.await(30, TimeUnit.SECONDS);
                byte[] body = "{\"status\":\"NOT_FOUND\",\"fromIndex\":0,\"missing\":-1,\"frames\":[]}".getBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (InterruptedException | IOException e) {
                // the caller went away
            } finally {
                exchange.close();
            }
        });
        recoveryService.start();
        var loadBalancer = mock(LoadBalancerClient.class);
        when(loadBalancer.choose("recovery-service"))
                .thenReturn(new DefaultServiceInstance(
                        "recovery-1",
                        "recovery-service",
                        "127.0.0.1",
                        recoveryService.getAddress().getPort(),
                        false,
                        Map.of()));
        client = new RecoveryClient(
                loadBalancer, ObservationRegistry.NOOP, new RecoveryCallProperties(Duration.ofSeconds(20), 1));
    }

    @AfterEach
    void stop() {
        answer.countDown();
        recoveryService.stop(0);
    }

    @Test
    void aCallWhoseCallerWentAwayIsGivenUpAtOnce() throws Exception {
        var outcome = new CompletableFuture<Throwable>();
        Thread caller = Thread.ofVirtual().start(() -> call(outcome));
        org.awaitility.Awaitility.await().until(() -> asked.get() == 1);

        long interrupted = System.nanoTime();
        caller.interrupt();

        assertThat(outcome.get(2, TimeUnit.SECONDS)).isNotNull();
        assertThat(Duration.ofNanos(System.nanoTime() - interrupted)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void callsOverTheLimitWaitForAFreeOneAndAreGivenUpWhenTheirCallerGoes() throws Exception {
        var first = new CompletableFuture<Throwable>();
        var second = new CompletableFuture<Throwable>();
        var third = new CompletableFuture<Throwable>();
        Thread.ofVirtual().start(() -> call(first));
        org.awaitility.Awaitility.await().until(() -> asked.get() == 1);
        Thread waiting = Thread.ofVirtual().start(() -> call(second));
        Thread.ofVirtual().start(() -> call(third));
        // one call at a time: the others wait here, not on recovery-service
        org.awaitility.Awaitility.await()
                .during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2))
                .until(() -> asked.get() == 1);

        waiting.interrupt();
        assertThat(second.get(2, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        answer.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(third.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(asked).hasValue(2);
    }

    /** Completes with null when the call answered, else with what it threw. */
    private void call(CompletableFuture<Throwable> outcome) {
        try {
            client.recover("token", "s-1", "m-1", -1);
            outcome.complete(null);
        } catch (RuntimeException e) {
            outcome.complete(e);
        }
    }
}
