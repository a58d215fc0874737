package dev.streamchat.orchestrator.generation;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.circuit-breaker.*}: the breaker of each provider (and of persistence-service's context calls).
 *
 * @param failureRateThreshold percentage of failed calls, over the window, that opens the breaker
 * @param minimumNumberOfCalls calls before the rate counts
 * @param slidingWindowSize calls the rate is taken over
 * @param waitInOpenState how long an open breaker refuses calls before it lets a few through
 */
@ConfigurationProperties("streamchat.circuit-breaker")
record CircuitBreakerProperties(
        @DefaultValue("50") float failureRateThreshold,
        @DefaultValue("10") int minimumNumberOfCalls,
        @DefaultValue("20") int slidingWindowSize,
        @DefaultValue("30s") Duration waitInOpenState) {}
