package dev.streamchat.orchestrator.generation;

import java.time.Duration;
import java.util.List;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * At most N generations at once per user, over every orchestrator instance: a sorted set per user of the messages
 * being generated, scored by when their claim lapses (so a claim of a crashed instance frees itself).
 */
@Component
class UserStreamLimiter {

    private static final RedisScript<Long> ACQUIRE = RedisScript.of("""
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
              return 1
            end
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
              return 0
            end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            return 1
            """, Long.class);

    private final StringRedisTemplate redis;

    UserStreamLimiter(StringRedisTemplate redis) {
        this.redis = redis;
    }

    boolean tryAcquire(String userId, String messageId, int limit, Duration claim) {
        long now = System.currentTimeMillis();
        Long acquired = redis.execute(
                ACQUIRE,
                List.of(key(userId)),
                Long.toString(now),
                Long.toString(now + claim.toMillis()),
                messageId,
                Integer.toString(limit),
                Long.toString(claim.toMillis()));
        return acquired != null && acquired == 1L;
    }

    void release(String userId, String messageId) {
        redis.opsForZSet().remove(key(userId), messageId);
    }

    private static String key(String userId) {
        return "chat:active:" + userId;
    }
}
