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
 *   <li>{@code chat:live:{messageId}}: the pub/sub channel on which the entries of each append are published after
 *       they are in the log, all in one message: a JSON array of entries, in index order.
 *   <li>{@code chat:meta:{messageId}}: owner, conversation, status, cancel flag.
 * </ul>
 *
 * Append, publish and expiry are one Lua script, and never a live frame that is not in the log. A generation whose
 * chunks come faster than Redis answers hands over all that have piled up at once ({@link #appendAll}): one round
 * trip and one live message for them all, so each node that follows the message parses it once and each client gets
 * it in one frame (protocol v2).
 *
 * <p>Exactly one writer ends a message. Every write names its writer ({@link #GENERATION} or {@link #SWEEPER}); the
 * terminal entry records its writer as {@code endedBy} in the meta in the same script, and a message ended by one
 * writer refuses every entry of the other ({@link EndedByAnother}). So a generation that a sweeper took for dead (its
 * lease lapsed while Redis or its instance stood still) and that comes back writes nothing more and sends no end of
 * its own; and a sweeper never ends a message that its generation ended.
 */
@Component
public class HotLog {

    public static final String CONTROL_CHANNEL = "chat:control";

    /** The generation that owns the message. */
    public static final String GENERATION = "generation";

    /** A lease sweeper that ends the message of a generation it takes for dead. */
    public static final String SWEEPER = "sweeper";

    /**
     * KEYS: log, channel, meta; ARGV: retention, writer, '1' when the last entry ends the message, then id and frame of
     * each entry. Returns how many were new, or -1 (nothing written) when another writer ended the message.
     */
    private static final RedisScript<Long> APPEND_ALL = RedisScript.of("""
            local ender = redis.call('HGET', KEYS[3], 'endedBy')
            if ender and ender ~= ARGV[2] then
              return -1
            end
            if ARGV[3] == '1' then
              redis.call('HSET', KEYS[3], 'endedBy', ARGV[2])
            end
            local added = {}
            for i = 4, #ARGV, 2 do
              local result = redis.pcall('XADD', KEYS[1], ARGV[i], 'frame', ARGV[i + 1])
              if not (type(result) == 'table' and result.err) then
                added[#added + 1] = ARGV[i + 1]
              end
            end
            if #added > 0 then
              redis.call('PUBLISH', KEYS[2], '[' .. table.concat(added, ',') .. ']')
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            redis.call('PEXPIRE', KEYS[3], ARGV[1])
            return #added
            """, Long.class);

    /** KEYS: meta; ARGV: writer. 1 when the message is now ended by this writer (it was not ended, or by it). */
    private static final RedisScript<Long> CLAIM_END = RedisScript.of("""
            local ender = redis.call('HGET', KEYS[1], 'endedBy')
            if ender and ender ~= ARGV[1] then
              return 0
            end
            redis.call('HSET', KEYS[1], 'endedBy', ARGV[1])
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

    /** Appends the frame at its index and publishes it (an array of one); false when the log already holds that index. */
    public boolean append(LogFrame frame, String writer, Duration retention) {
        return appendAll(List.of(frame), writer, retention) == 1;
    }

    /**
     * Appends the frames of one message, in index order, and publishes the new ones in one live message (a JSON array);
     * returns how many the log did not
     * hold yet (an entry it holds already, from an earlier attempt, is neither written nor published again). A frame
     * that is not a chunk ends the message: it must come last.
     *
     * @throws EndedByAnother when the other writer ended the message: nothing was written
     */
    public int appendAll(List<LogFrame> frames, String writer, Duration retention) {
        String messageId = frames.getFirst().messageId();
        var args = new String[3 + 2 * frames.size()];
        args[0] = Long.toString(retention.toMillis());
        args[1] = writer;
        args[2] = LogFrame.CHUNK.equals(frames.getLast().kind()) ? "0" : "1";
        for (int i = 0; i < frames.size(); i++) {
            args[3 + 2 * i] = "0-" + (frames.get(i).index() + 1);
            args[4 + 2 * i] = json.writeValueAsString(frames.get(i));
        }
        Long added = redis.execute(
                APPEND_ALL, List.of(logKey(messageId), liveChannel(messageId), metaKey(messageId)), (Object[]) args);
        if (added != null && added < 0) {
            throw new EndedByAnother(messageId, writer);
        }
        return added == null ? 0 : added.intValue();
    }

    /**
     * Makes {@code writer} the one that ends the message: from here on the other writer's entries are refused. True
     * when the message was not ended yet or already by this writer (a sweep taken up again), false when the other
     * writer ended it.
     */
    public boolean claimEnd(String messageId, String writer) {
        Long claimed = redis.execute(CLAIM_END, List.of(metaKey(messageId)), writer);
        return claimed != null && claimed == 1L;
    }

    /** The other writer ended the message; the writer that was refused must write and send nothing more of it. */
    public static final class EndedByAnother extends RuntimeException {
        EndedByAnother(String messageId, String writer) {
            super("message " + messageId + " was ended by another writer than " + writer, null, false, false);
        }
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
