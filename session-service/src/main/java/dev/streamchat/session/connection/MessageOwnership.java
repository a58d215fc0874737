package dev.streamchat.session.connection;

import dev.streamchat.session.delivery.HotLogReader;
import java.time.Duration;
import java.util.Optional;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Whose answer a message is. Recorded here when the message id is allocated ({@code chat:message:{id}:owner}, a
 * day), before the orchestrator has heard of it, so a cancel or a second device's RECONNECT right after
 * STREAM_STARTED is judged correctly; after that day the orchestrator's {@code chat:meta:{id}} answers.
 */
@Component
class MessageOwnership {

    private static final Duration KEEP = Duration.ofDays(1);

    private final StringRedisTemplate redis;
    private final HotLogReader hotLog;

    MessageOwnership(StringRedisTemplate redis, HotLogReader hotLog) {
        this.redis = redis;
        this.hotLog = hotLog;
    }

    void claim(String messageId, String userId, String conversationId) {
        redis.opsForValue().set(key(messageId), userId + " " + conversationId, KEEP);
    }

    Optional<Owner> find(String messageId) {
        String recorded = redis.opsForValue().get(key(messageId));
        if (recorded != null) {
            String[] parts = recorded.split(" ", 2);
            return Optional.of(new Owner(parts[0], parts[1]));
        }
        return hotLog.meta(messageId)
                .map(meta -> new Owner(String.valueOf(meta.get("userId")), String.valueOf(meta.get("conversationId"))));
    }

    private static String key(String messageId) {
        return "chat:message:" + messageId + ":owner";
    }

    /** The user an answer belongs to, and its conversation. */
    record Owner(String userId, String conversationId) {}
}
