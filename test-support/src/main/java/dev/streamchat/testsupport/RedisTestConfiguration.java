package dev.streamchat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/** Points {@code spring.data.redis} at the test Redis server, with its user and password. */
@TestConfiguration(proxyBeanMethods = false)
public class RedisTestConfiguration {

    @Bean
    DynamicPropertyRegistrar redisProperties() {
        var redis = TestInfrastructure.redis();
        return registry -> {
            registry.add("spring.data.redis.host", redis::host);
            registry.add("spring.data.redis.port", redis::port);
            registry.add("spring.data.redis.username", redis::username);
            registry.add("spring.data.redis.password", redis::password);
        };
    }
}
