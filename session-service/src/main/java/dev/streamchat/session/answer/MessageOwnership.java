package dev.streamchat.session.answer;

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
 *   <li>a user's {@code requestId} names one answer for a day ({@code chat:request:{length of user}:{user}:{requestId}}),
 *       so a request sent again gets the same answer.
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
        String key = requestKey(userId, requestId);
        if (Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key, messageId + " " + conversationId, KEEP))) {
            return Optional.empty();
        }
        return Optional.of(Owner.parse(String.valueOf(redis.opsForValue().get(key))));
    }

    /**
     * How many answers the user has being generated: the orchestrators' claims in {@code chat:active:{user}} that have
     * not lapsed. Read before anything of a new request is written; the orchestrator's own check stays the one that
     * decides a race.
     */
    long answersUnderWay(String userId) {
        Long count =
                redis.opsForZSet().count("chat:active:" + userId, System.currentTimeMillis(), Double.POSITIVE_INFINITY);
        return count == null ? 0 : count;
    }

    /** Forgets a request whose answer could not be started, so that it can be sent again. */
    void forgetRequest(String userId, String requestId) {
        redis.delete(requestKey(userId, requestId));
    }

    void claim(String messageId, String userId, String conversationId) {
        redis.opsForValue().set(key(messageId), userId + " " + conversationId, KEEP);
    }

    Optional<Owner> find(String messageId) {
        String recorded = redis.opsForValue().get(key(messageId));
        if (recorded != null) {
            return Optional.of(Owner.parse(recorded));
        }
        return hotLog.meta(messageId)
                .map(meta -> new Owner(String.valueOf(meta.get("userId")), String.valueOf(meta.get("conversationId"))));
    }

    private static String key(String messageId) {
        return "chat:message:" + messageId + ":owner";
    }

    /**
     * The user id comes with its length: user ids and request ids may both hold ':', and without it user {@code a}'s
     * request {@code b:r} and user {@code a:b}'s request {@code r} would share a key.
     */
    static String requestKey(String userId, String requestId) {
        return "chat:request:" + userId.length() + ":" + userId + ":" + requestId;
    }

    /** Who an answer belongs to (or, from {@link #rememberRequest}, which answer), and its conversation. */
    record Owner(String id, String conversationId) {

        /** From {@code "<id> <conversationId>"}; a conversation id holds no space (the protocol's id characters). */
        static Owner parse(String recorded) {
            int space = recorded.lastIndexOf(' ');
            return new Owner(recorded.substring(0, space), recorded.substring(space + 1));
        }
    }
}
