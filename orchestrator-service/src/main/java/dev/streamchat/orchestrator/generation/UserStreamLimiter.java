package dev.streamchat.orchestrator.generation;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * At most N generations at once per user, over every orchestrator instance: a sorted set per user of the messages
 * being generated, scored by when their claim lapses (so a claim of a crashed instance frees itself). The slot is
 * taken with the lease ({@link Leases#grant}), in the one round trip at the start of an answer; released here.
 */
@Component
class UserStreamLimiter {

    private final StringRedisTemplate redis;

    UserStreamLimiter(StringRedisTemplate redis) {
        this.redis = redis;
    }

    void release(String userId, String messageId) {
        redis.opsForZSet().remove(key(userId), messageId);
    }

    static String key(String userId) {
        return "chat:active:" + userId;
    }
}
