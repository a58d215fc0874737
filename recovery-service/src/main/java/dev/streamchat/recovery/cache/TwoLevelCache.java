package dev.streamchat.recovery.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Weigher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Caffeine in process (L1) in front of Redis (L2), for values that never change once written: a completed answer, the
 * owner of an answer. Never for the state of a live stream. Redis failing is a miss, not an error. Hits and misses
 * per level are counted in {@code streamchat.recovery.cache.requests{cache, level, result}}.
 */
public final class TwoLevelCache<V> {

    private static final Logger log = LoggerFactory.getLogger(TwoLevelCache.class);

    private final String name;
    private final Cache<String, V> local;
    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final Class<V> type;
    private final Duration sharedTtl;
    private final Counter l1Hits;
    private final Counter l1Misses;
    private final Counter l2Hits;
    private final Counter l2Misses;

    public TwoLevelCache(
            String name,
            Class<V> type,
            long maximumWeight,
            Weigher<String, V> weigher,
            Duration sharedTtl,
            StringRedisTemplate redis,
            JsonMapper json,
            MeterRegistry meters) {
        this.name = name;
        this.type = type;
        this.local = Caffeine.newBuilder()
                .maximumWeight(maximumWeight)
                .weigher(weigher)
                .expireAfterAccess(sharedTtl)
                .build();
        this.redis = redis;
        this.json = json;
        this.sharedTtl = sharedTtl;
        this.l1Hits = counter(meters, "l1", "hit");
        this.l1Misses = counter(meters, "l1", "miss");
        this.l2Hits = counter(meters, "l2", "hit");
        this.l2Misses = counter(meters, "l2", "miss");
    }

    public Optional<V> get(String key) {
        V value = local.getIfPresent(key);
        if (value != null) {
            l1Hits.increment();
            return Optional.of(value);
        }
        l1Misses.increment();
        try {
            String shared = redis.opsForValue().get(redisKey(key));
            if (shared != null) {
                value = json.readValue(shared, type);
                local.put(key, value);
                l2Hits.increment();
                return Optional.of(value);
            }
        } catch (RuntimeException e) {
            log.debug("L2 cache {} not read for {}: {}", name, key, e.toString());
        }
        l2Misses.increment();
        return Optional.empty();
    }

    public void put(String key, V value) {
        local.put(key, value);
        try {
            redis.opsForValue().set(redisKey(key), json.writeValueAsString(value), sharedTtl);
        } catch (RuntimeException e) {
            log.debug("L2 cache {} not written for {}: {}", name, key, e.toString());
        }
    }

    /** Forgets a key in this process (L2 expires on its own). */
    public void evictLocally(String key) {
        local.invalidate(key);
    }

    private String redisKey(String key) {
        return "chat:recovery:" + name + ":" + key;
    }

    private Counter counter(MeterRegistry meters, String level, String result) {
        return Counter.builder("streamchat.recovery.cache.requests")
                .description("Lookups in the recovery caches, by level and result")
                .tag("cache", name)
                .tag("level", level)
                .tag("result", result)
                .register(meters);
    }
}
