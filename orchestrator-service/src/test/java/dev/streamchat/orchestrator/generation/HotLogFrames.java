package dev.streamchat.orchestrator.generation;

import static org.awaitility.Awaitility.await;

import dev.streamchat.orchestrator.hotlog.HotLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads a message's hot log as the orchestrator wrote it, for the tests. */
final class HotLogFrames {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private HotLogFrames() {}

    /** Every frame of the message, once its terminal frame (COMPLETE or ERROR) is in the log. */
    static List<JsonNode> awaitEnded(StringRedisTemplate redis, String messageId, Duration timeout) {
        await().atMost(timeout).until(() -> {
            var last = redis.opsForStream()
                    .reverseRange(
                            HotLog.logKey(messageId),
                            Range.unbounded(),
                            Limit.limit().count(1));
            return last != null
                    && !last.isEmpty()
                    && !frame(last.getFirst().getValue().get("frame"))
                            .path("kind")
                            .asString()
                            .equals("CHUNK");
        });
        var frames = new ArrayList<JsonNode>();
        redis.opsForStream()
                .range(HotLog.logKey(messageId), Range.unbounded())
                .forEach(entry -> frames.add(frame(entry.getValue().get("frame"))));
        return frames;
    }

    private static JsonNode frame(Object json) {
        return JSON.readTree(json.toString());
    }
}
