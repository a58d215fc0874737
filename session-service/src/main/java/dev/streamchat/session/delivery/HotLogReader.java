package dev.streamchat.session.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the hot log {@code chat:log:{messageId}} (entry id {@code 0-(index+1)}) and the generation metadata
 * {@code chat:meta:{messageId}} that orchestrator-service writes.
 */
@Component
public class HotLogReader {

    /** Entries read per round trip. */
    public static final int PAGE = 500;

    /**
     * KEYS: the owner record session-service keeps, meta, log; ARGV: the first entry id, the most entries. Returns the
     * owner record, the meta's userId, status and totalChunks ('' for each that is missing), the id of the log's last
     * entry ('' when none), then, when the meta exists, the entries from the first id on: a resume's owner check, how
     * far the answer is, and its first page, in one round trip.
     */
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> RESUME = RedisScript.of("""
            local owner = redis.call('GET', KEYS[1]) or ''
            local meta = redis.call('HMGET', KEYS[2], 'userId', 'status', 'totalChunks')
            local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
            local result = {owner, meta[1] or '', meta[2] or '', meta[3] or '', last[1] and last[1][1] or ''}
            if meta[1] then
              for _, entry in ipairs(redis.call('XRANGE', KEYS[3], ARGV[1], '+', 'COUNT', ARGV[2])) do
                result[#result + 1] = entry[2][2]
              end
            end
            return result
            """, List.class);

    private static final TypeReference<List<LogFrame>> LIVE_MESSAGE = new TypeReference<>() {};

    private final StringRedisTemplate redis;
    private final JsonMapper json;

    HotLogReader(StringRedisTemplate redis, JsonMapper json) {
        this.redis = redis;
        this.json = json;
    }

    /** Entries from {@code fromIndex} up to {@code toIndex} inclusive (or to the end when negative), in order. */
    public List<LogFrame> read(String messageId, int fromIndex, int toIndex) {
        var frames = new ArrayList<LogFrame>();
        int from = fromIndex;
        while (true) {
            Range<String> range = toIndex < 0
                    ? Range.rightUnbounded(Range.Bound.inclusive("0-" + (from + 1)))
                    : Range.closed("0-" + (from + 1), "0-" + (toIndex + 1));
            var page = redis.opsForStream()
                    .range("chat:log:" + messageId, range, Limit.limit().count(PAGE));
            if (page == null || page.isEmpty()) {
                return frames;
            }
            page.forEach(entry -> frames.add(parse(entry.getValue().get("frame").toString())));
            if (page.size() < PAGE) {
                return frames;
            }
            from = frames.getLast().index() + 1;
        }
    }

    public LogFrame parse(String frame) {
        return json.readValue(frame, LogFrame.class);
    }

    /**
     * A message of the live channel: the entries of one hot-log append as a JSON array, in index order (a single
     * entry, as orchestrators before batched publishing sent it, is read as an array of one).
     */
    public List<LogFrame> parseLive(byte[] message) {
        int first = 0;
        while (first < message.length && Character.isWhitespace(message[first])) {
            first++;
        }
        if (first < message.length && message[first] == '[') {
            return json.readValue(message, LIVE_MESSAGE);
        }
        return List.of(json.readValue(message, LogFrame.class));
    }

    /**
     * What Redis holds of a message for a resume from {@code fromIndex}, in one round trip: who owns it, how far it
     * is, and the first {@link #PAGE} entries from that index on.
     */
    public Resume resume(String messageId, int fromIndex) {
        List<?> result = redis.execute(
                RESUME,
                List.of("chat:message:" + messageId + ":owner", "chat:meta:" + messageId, "chat:log:" + messageId),
                "0-" + (fromIndex + 1),
                Integer.toString(PAGE));
        if (result == null || result.size() < 5) {
            throw new IllegalStateException("the resume script of message " + messageId + " answered " + result);
        }
        String record = String.valueOf(result.get(0));
        var frames = new ArrayList<LogFrame>(result.size() - 5);
        for (Object entry : result.subList(5, result.size())) {
            frames.add(parse(String.valueOf(entry)));
        }
        String total = String.valueOf(result.get(3));
        String lastEntry = String.valueOf(result.get(4));
        return new Resume(
                record.isEmpty() ? "" : record.substring(0, Math.max(0, record.lastIndexOf(' '))),
                String.valueOf(result.get(1)),
                String.valueOf(result.get(2)),
                total.isEmpty() ? null : Integer.valueOf(total),
                // entry ids are 0-(index + 1)
                lastEntry.isEmpty() ? -1 : Integer.parseInt(lastEntry.substring(lastEntry.indexOf('-') + 1)) - 1,
                frames);
    }

    /**
     * A message as Redis holds it for a resume.
     *
     * @param owner the user session-service recorded as its owner ('' when none)
     * @param logOwner the user of the generation's metadata ('' when the hot log does not know the message)
     * @param status the generation's status ('' when unknown)
     * @param totalChunks the number of chunks once the message ended, else null
     * @param lastIndex the index of the last entry the hot log holds (-1 when it holds none): no client can hold a
     *     chunk past it
     * @param frames up to {@link #PAGE} entries from the index asked for, in order
     */
    public record Resume(
            String owner,
            String logOwner,
            String status,
            @Nullable Integer totalChunks,
            int lastIndex,
            List<LogFrame> frames) {}

    /** Who owns a message and how far it is; empty when Redis does not know it. */
    public Optional<Map<Object, Object>> meta(String messageId) {
        Map<Object, Object> meta = redis.opsForHash().entries("chat:meta:" + messageId);
        return meta.isEmpty() ? Optional.empty() : Optional.of(meta);
    }
}
