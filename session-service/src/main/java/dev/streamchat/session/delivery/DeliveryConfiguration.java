package dev.streamchat.session.delivery;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.scheduling.annotation.EnableScheduling;

/** One listener container for every live channel of this node. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class DeliveryConfiguration {

    static final String KEEP_ALIVE_CHANNEL = "chat:live:_keep-subscription";

    /**
     * Messages are handed over on the Redis client's thread, in the order Redis sent them; each follower then works on
     * its own virtual thread, so a slow client never holds up the others.
     */
    @Bean
    RedisMessageListenerContainer liveChannelContainer(RedisConnectionFactory redis) {
        var container = new RedisMessageListenerContainer();
        container.setConnectionFactory(redis);
        container.setTaskExecutor(new SyncTaskExecutor());
        // one channel that is never unsubscribed: without it, removing the last live channel closes the container's
        // subscription while another thread adds a channel to it (RedisInvalidSubscriptionException under churn)
        container.addMessageListener((message, pattern) -> {}, ChannelTopic.of(KEEP_ALIVE_CHANNEL));
        return container;
    }
}
