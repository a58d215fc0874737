package dev.streamchat.session.delivery;

import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * recovery-service's {@code POST /api/recovery}, asked with the client's own token, so that it answers only with the
 * client's own data. At most {@code max-concurrent-calls} at once from this node: a burst of resumes waits here, in
 * order, instead of queueing on recovery-service's connections and failing there. A call is given up when its thread
 * is interrupted (the client went away), waiting or under way.
 */
@Component
@EnableConfigurationProperties(RecoveryCallProperties.class)
public class RecoveryClient {

    private final LoadBalancerClient loadBalancer;
    private final RestClient client;
    private final Semaphore calls;
    private final Duration timeout;

    RecoveryClient(
            LoadBalancerClient loadBalancer, ObservationRegistry observations, RecoveryCallProperties properties) {
        this.timeout = properties.timeout();
        this.calls = new Semaphore(properties.maxConcurrentCalls(), true);
        var requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(timeout);
        requests.setReadTimeout(timeout);
        // not a RestClient.Builder bean: Eureka's own client would pick that up; observed, so that the call is a span
        // of the RECONNECT's trace and recovery-service continues it
        this.client = RestClient.builder()
                .requestFactory(requests)
                .observationRegistry(observations)
                .build();
        this.loadBalancer = loadBalancer;
    }

    /** One page of the answer after {@code lastChunkIndex}; throws when recovery-service cannot be asked. */
    public Recovery recover(String bearerToken, String sessionId, String messageId, int lastChunkIndex) {
        try {
            if (!calls.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("no call to recovery-service free within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a call to recovery-service");
        }
        try {
            return call(bearerToken, sessionId, messageId, lastChunkIndex);
        } finally {
            calls.release();
        }
    }

    private Recovery call(String bearerToken, String sessionId, String messageId, int lastChunkIndex) {
        ServiceInstance instance = loadBalancer.choose("recovery-service");
        if (instance == null) {
            throw new IllegalStateException("no recovery-service instance");
        }
        Recovery recovery = client.post()
                .uri(instance.getUri() + "/api/recovery")
                .headers(headers -> headers.setBearerAuth(bearerToken))
                .body(Map.of("sessionId", sessionId, "messageId", messageId, "lastChunkIndex", lastChunkIndex))
                .retrieve()
                .body(Recovery.class);
        if (recovery == null) {
            throw new IllegalStateException("empty answer from recovery-service");
        }
        return recovery;
    }

    /** recovery-service's answer, as far as this service reads it (its own copy; the Pact contract holds it). */
    public record Recovery(
            String status,
            int fromIndex,
            int missing,
            List<LogFrame> frames,
            @Nullable Integer nextIndex) {}
}
