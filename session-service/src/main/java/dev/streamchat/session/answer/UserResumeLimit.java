package dev.streamchat.session.answer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * At most {@code streamchat.protocol.max-resumes-per-second} RECONNECTs per user and second on this node, over all the
 * user's connections here: a resume is the dearest frame (hot-log reads, a recovery-service call, database pages), and
 * a user's 32 connections at the per-connection frame limit could otherwise ask for 1,600 a second. Counted in this
 * node's memory, not in Redis, so that a resume pays no round trip for it; a user spread over n nodes gets at most n
 * times the limit. A user quiet for a minute is forgotten.
 */
@Component
class UserResumeLimit {

    private static final long SECOND = 1_000_000_000L;

    private final Cache<String, Window> windows = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(1))
            .maximumSize(1_000_000)
            .build();

    /** Counts one RECONNECT of {@code userId}: 0 when admitted, else the milliseconds until the next is. */
    long admit(String userId, int perSecond) {
        return windows.get(userId, user -> new Window()).admit(perSecond, System.nanoTime());
    }

    private static final class Window {
        private long start = Long.MIN_VALUE;
        private int count;

        synchronized long admit(int perSecond, long now) {
            if (start == Long.MIN_VALUE || now - start >= SECOND) {
                start = now;
                count = 0;
            }
            if (count < perSecond) {
                count++;
                return 0;
            }
            return Math.max(1, (start + SECOND - now + 999_999) / 1_000_000);
        }
    }
}
