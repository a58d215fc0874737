package dev.streamchat.orchestrator.generation;

import dev.streamchat.orchestrator.hotlog.HotLog;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Circuit breakers (one per provider, and one for persistence-service) and the cancel channel. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({GenerationProperties.class, CircuitBreakerProperties.class})
@EnableScheduling
class GenerationConfiguration {

    @Bean
    CircuitBreakerRegistry circuitBreakerRegistry(MeterRegistry meters, CircuitBreakerProperties breaker) {
        var registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .failureRateThreshold(breaker.failureRateThreshold())
                .minimumNumberOfCalls(breaker.minimumNumberOfCalls())
                .slidingWindowSize(breaker.slidingWindowSize())
                .waitDurationInOpenState(breaker.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(2)
                .build());
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry;
    }

    /** Cancels reach every instance on {@value HotLog#CONTROL_CHANNEL}; the one that runs the message stops it. */
    @Bean
    RedisMessageListenerContainer cancelListener(RedisConnectionFactory redis, GenerationService generations) {
        var container = new RedisMessageListenerContainer();
        container.setConnectionFactory(redis);
        container.addMessageListener(
                (message, pattern) -> generations.cancelLocally(
                        new String(message.getBody(), java.nio.charset.StandardCharsets.UTF_8)),
                ChannelTopic.of(HotLog.CONTROL_CHANNEL));
        return container;
    }
}
