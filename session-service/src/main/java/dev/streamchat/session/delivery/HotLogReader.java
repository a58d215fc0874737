package dev.streamchat.session.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the hot log {@code chat:log:{messageId}} (entry id {@code 0-(index+1)}) and the generation metadata
 * {@code chat:meta:{messageId}} that orchestrator-service writes.
 */
@Component
public class HotLogReader {

    private static final int PAGE = 500;
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

    /** Who owns a message and how far it is; empty when Redis does not know it. */
    public Optional<Map<Object, Object>> meta(String messageId) {
        Map<Object, Object> meta = redis.opsForHash().entries("chat:meta:" + messageId);
        return meta.isEmpty() ? Optional.empty() : Optional.of(meta);
    }
}
