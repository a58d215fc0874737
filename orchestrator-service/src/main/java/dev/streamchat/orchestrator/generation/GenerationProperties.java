package dev.streamchat.orchestrator.generation;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.generation.*}: limits and timeouts of one generation.
 *
 * @param idleTimeout longest silence of the provider before the generation fails with TIMEOUT
 * @param maxDuration longest generation; past it, TIMEOUT
 * @param maxConcurrentStreams generations at once on this instance; past it, CAPACITY
 * @param maxStreamsPerUser generations at once for one user over all instances; past it, RATE_LIMITED
 * @param maxChunkChars largest chunk; longer provider pieces are split
 * @param liveRetention how long the hot log lives while the message streams (renewed at every chunk)
 * @param completedRetention how long the hot log keeps a finished message
 * @param hotLogOutage how long a generation waits for Redis to take its next entry (retrying) before it fails with
 *     INTERNAL; a Redis restart or a network blip shorter than this only delays the answer
 * @param leaseTtl how long a generation's lease lasts unless its instance renews it; a sweeper in every instance ends
 *     a generation whose lease expired as INTERRUPTED (its instance died)
 * @param leaseRenewal how often an instance renews its leases (and picks up the cancels whose relay was lost)
 * @param drainTimeout how long an instance that shuts down (a rolling restart, a scale-down) keeps running the
 *     answers it has, taking no new ones, before it exits; what is still running then is ended by a sweeper as
 *     INTERRUPTED. {@code spring.lifecycle.timeout-per-shutdown-phase} must be longer
 */
@ConfigurationProperties("streamchat.generation")
public record GenerationProperties(
        @DefaultValue("30s") Duration idleTimeout,
        @DefaultValue("10m") Duration maxDuration,
        @DefaultValue("1000") int maxConcurrentStreams,
        @DefaultValue("5") int maxStreamsPerUser,
        @DefaultValue("1024") int maxChunkChars,
        @DefaultValue("1h") Duration liveRetention,
        @DefaultValue("30m") Duration completedRetention,
        @DefaultValue("30s") Duration hotLogOutage,
        @DefaultValue("10s") Duration leaseTtl,
        @DefaultValue("3s") Duration leaseRenewal,
        @DefaultValue("60s") Duration drainTimeout) {}
