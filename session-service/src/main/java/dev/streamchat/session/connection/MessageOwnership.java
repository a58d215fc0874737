package dev.streamchat.session.connection;

import dev.streamchat.session.delivery.HotLogReader;
import java.time.Duration;
import java.util.Optional;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Who owns what, in Redis:
 *
 * <ul>
 *   <li>a conversation belongs to the user who first wrote in it ({@code chat:conversation:{id}:owner}, 30 days from
 *       its last request);
 *   <li>an answer belongs to the user who asked ({@code chat:message:{id}:owner}, a day), recorded when its id is
 *       allocated, before the orchestrator has heard of it, so a cancel or a second device's RECONNECT right after
 *       STREAM_STARTED is judged correctly; after that day the orchestrator's {@code chat:meta:{id}} answers;
 *   <li>a user's {@code requestId} names one answer for a day ({@code chat:request:{user}:{requestId}}), so a
 *       request sent again gets the same answer.
 * </ul>
 */
@Component
class MessageOwnership {

    private static final Duration KEEP = Duration.ofDays(1);
    private static final Duration CONVERSATION = Duration.ofDays(30);

    private final StringRedisTemplate redis;
    private final HotLogReader hotLog;

    MessageOwnership(StringRedisTemplate redis, HotLogReader hotLog) {
        this.redis = redis;
        this.hotLog = hotLog;
    }

    /** True when the conversation is the user's (claimed now if nobody had it). */
    boolean claimConversation(String conversationId, String userId) {
        String key = "chat:conversation:" + conversationId + ":owner";
        Boolean claimed = redis.opsForValue().setIfAbsent(key, userId, CONVERSATION);
        if (Boolean.TRUE.equals(claimed)) {
            return true;
        }
        if (userId.equals(redis.opsForValue().get(key))) {
            redis.expire(key, CONVERSATION);
            return true;
        }
        return false;
    }

    /** Ties a request to a new answer; if the request was seen before, the answer it got instead. */
    Optional<Owner> rememberRequest(String userId, String requestId, String messageId, String conversationId) {
        String key = "chat:request:" + userId + ":" + requestId;
        if (Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key, messageId + " " + conversationId, KEEP))) {
            return Optional.empty();
        }
        String[] known = String.valueOf(redis.opsForValue().get(key)).split(" ", 2);
        return Optional.of(new Owner(known[0], known[1]));
    }

    /** Forgets a request whose answer could not be started, so that it can be sent again. */
    void forgetRequest(String userId, String requestId) {
        redis.delete("chat:request:" + userId + ":" + requestId);
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

    /** Who an answer belongs to (or, from {@link #rememberRequest}, which answer), and its conversation. */
    record Owner(String id, String conversationId) {}
}
