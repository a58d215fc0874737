package dev.streamchat.recovery.resume;

import dev.streamchat.recovery.cache.TwoLevelCache;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.util.StringUtils;
import tools.jackson.databind.json.JsonMapper;

/** Circuit breakers around Redis and persistence-service, the caches, and Redisson for the recovery lock. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RecoveryProperties.class)
class RecoveryConfiguration {

    @Bean
    CircuitBreakerRegistry circuitBreakerRegistry(MeterRegistry meters) {
        var registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .failureRateThreshold(50)
                .minimumNumberOfCalls(10)
                .slidingWindowSize(20)
                .waitDurationInOpenState(Duration.ofSeconds(10))
                .permittedNumberOfCallsInHalfOpenState(2)
                .build());
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry;
    }

    /** Completed answers, whole, weighed by their content. */
    @Bean
    TwoLevelCache<CompletedAnswer> completedAnswers(
            RecoveryProperties properties, StringRedisTemplate redis, JsonMapper json, MeterRegistry meters) {
        return new TwoLevelCache<>(
                "completed",
                CompletedAnswer.class,
                properties.completedCacheMegabytes() * 1024L * 1024L,
                (id, answer) -> answer.weight(),
                properties.sharedCacheTtl(),
                redis,
                json,
                meters);
    }

    /** Who owns an answer. */
    @Bean
    TwoLevelCache<String> owners(
            RecoveryProperties properties, StringRedisTemplate redis, JsonMapper json, MeterRegistry meters) {
        return new TwoLevelCache<>(
                "owner", String.class, 100_000, (id, owner) -> 1, properties.sharedCacheTtl(), redis, json, meters);
    }

    @Bean(destroyMethod = "shutdown")
    RedissonClient redissonClient(DataRedisProperties redis) {
        var config = new Config();
        var server = config.useSingleServer()
                .setAddress("redis://" + redis.getHost() + ":" + redis.getPort())
                .setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(16)
                .setTimeout((int)
                        (redis.getTimeout() == null ? 2000 : redis.getTimeout().toMillis()));
        // the same login as Spring Data Redis's (a blank one is none: Redisson would send AUTH with it)
        if (StringUtils.hasText(redis.getPassword())) {
            server.setPassword(redis.getPassword());
            if (StringUtils.hasText(redis.getUsername())) {
                server.setUsername(redis.getUsername());
            }
        }
        return Redisson.create(config);
    }
}
