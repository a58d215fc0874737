package dev.streamchat.orchestrator.hotlog;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The message's state in Redis, written by the one generation that owns the message:
 *
 * <ul>
 *   <li>{@code chat:log:{messageId}}: a Redis Stream, one entry per chunk with the id {@code 0-(index+1)}, then the
 *       terminal entry. Redis refuses an id that is not above the last one, so a repeated append is detected and
 *       changes nothing.
 *   <li>{@code chat:live:{messageId}}: the pub/sub channel on which each entry is published after it is in the log.
 *   <li>{@code chat:meta:{messageId}}: owner, conversation, status, cancel flag.
 * </ul>
 *
 * Append, publish and expiry are one Lua script: one round trip per chunk, and never a live frame that is not in the
 * log.
 */
@Component
public class HotLog {

    public static final String CONTROL_CHANNEL = "chat:control";

    private static final RedisScript<Long> APPEND = RedisScript.of("""
            local added = redis.pcall('XADD', KEYS[1], ARGV[1], 'frame', ARGV[2])
            if type(added) == 'table' and added.err then
              return 0
            end
            redis.call('PUBLISH', KEYS[2], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('PEXPIRE', KEYS[3], ARGV[3])
            return 1
            """, Long.class);

    private final StringRedisTemplate redis;
    private final JsonMapper json;

    HotLog(StringRedisTemplate redis, JsonMapper json) {
        this.redis = redis;
        this.json = json;
    }

    public static String logKey(String messageId) {
        return "chat:log:" + messageId;
    }

    public static String liveChannel(String messageId) {
        return "chat:live:" + messageId;
    }

    public static String metaKey(String messageId) {
        return "chat:meta:" + messageId;
    }

    /** Appends the frame at its index and publishes it; false when the log already holds that index. */
    public boolean append(LogFrame frame, Duration retention) {
        Long added = redis.execute(
                APPEND,
                List.of(logKey(frame.messageId()), liveChannel(frame.messageId()), metaKey(frame.messageId())),
                "0-" + (frame.index() + 1),
                json.writeValueAsString(frame),
                Long.toString(retention.toMillis()));
        return added != null && added == 1L;
    }

    /** Records who owns the message before its generation starts; false when it exists already. */
    public boolean createMeta(String messageId, Map<String, String> fields, Duration retention) {
        var values = new HashMap<>(fields);
        Boolean created = redis.opsForHash().putIfAbsent(metaKey(messageId), "userId", values.remove("userId"));
        if (Boolean.TRUE.equals(created)) {
            redis.opsForHash().putAll(metaKey(messageId), values);
            redis.expire(metaKey(messageId), retention);
        }
        return Boolean.TRUE.equals(created);
    }

    public Map<String, String> meta(String messageId) {
        Map<Object, Object> entries = redis.opsForHash().entries(metaKey(messageId));
        var meta = new HashMap<String, String>();
        entries.forEach((key, value) -> meta.put(key.toString(), value.toString()));
        return meta;
    }

    public void updateMeta(String messageId, Map<String, String> fields) {
        redis.opsForHash().putAll(metaKey(messageId), fields);
    }

    /** Every entry of the message's log, in order (chunks, then the terminal entry if it ended). */
    public List<LogFrame> entries(String messageId) {
        var entries = redis.opsForStream().range(logKey(messageId), Range.unbounded());
        if (entries == null) {
            return List.of();
        }
        return entries.stream()
                .map(entry -> json.readValue(entry.getValue().get("frame").toString(), LogFrame.class))
                .toList();
    }

    /** Asks whichever orchestrator instance runs the message to stop it. */
    public void requestCancel(String messageId) {
        redis.opsForHash().put(metaKey(messageId), "cancelRequested", "true");
        redis.convertAndSend(CONTROL_CHANNEL, messageId);
    }
}
