package dev.streamchat.recovery.resume;

import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hot log orchestrator-service writes: {@code chat:meta:{messageId}} (owner, status, {@code totalChunks} once
 * ended) and {@code chat:log:{messageId}} (entry id {@code 0-(index+1)}, the terminal entry last). A log is written
 * from index 0 in order and expires whole, so when it is there it holds the answer from its start, unless Redis lost
 * it meanwhile (restarted: it keeps nothing on disk) and the orchestrator went on writing: a log that starts past the
 * index asked for does not hold the answer from there, and the next tier answers.
 */
@Component
class HotLogTier {

    static final String TIER = "hot-log";

    private final StringRedisTemplate redis;
    private final JsonMapper json;

    HotLogTier(StringRedisTemplate redis, JsonMapper json) {
        this.redis = redis;
        this.json = json;
    }

    /** The owner recorded with a live or recent answer; empty when Redis does not know the answer. */
    Optional<String> owner(String messageId) {
        Object owner = redis.opsForHash().get("chat:meta:" + messageId, "userId");
        return Optional.ofNullable(owner).map(Object::toString);
    }

    /** The page from {@code fromIndex}; empty when the hot log does not hold this answer (any more). */
    Optional<TierAnswer> read(String messageId, int fromIndex, int max) {
        Map<Object, Object> meta = redis.opsForHash().entries("chat:meta:" + messageId);
        Boolean logged = redis.hasKey("chat:log:" + messageId);
        if (meta.isEmpty() || (!Boolean.TRUE.equals(logged) && meta.get("totalChunks") != null)) {
            return Optional.empty();
        }
        var entries = redis.opsForStream()
                .range(
                        "chat:log:" + messageId,
                        Range.rightUnbounded(Range.Bound.inclusive("0-" + (fromIndex + 1))),
                        Limit.limit().count(max + 1));
        var frames = new ArrayList<Frame>();
        if (entries != null) {
            entries.forEach(entry ->
                    frames.add(json.readValue(entry.getValue().get("frame").toString(), Frame.class)));
        }
        if (!frames.isEmpty() && frames.getFirst().index() > fromIndex) {
            return Optional.empty();
        }
        Object total = meta.get("totalChunks");
        return Optional.of(TierAnswer.page(
                TIER, frames, fromIndex, max, total == null ? null : Integer.valueOf(total.toString())));
    }
}
