package dev.streamchat.session.connection;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/** A Redisson client on the same Redis as Spring Data Redis (which keeps Lettuce for the live channels). */
@Configuration(proxyBeanMethods = false)
class RedissonConfiguration {

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
