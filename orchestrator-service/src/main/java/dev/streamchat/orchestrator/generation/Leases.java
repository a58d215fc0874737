package dev.streamchat.orchestrator.generation;

import dev.streamchat.orchestrator.hotlog.HotLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * The lease each live generation holds (DESIGN.md section 6): {@code leaseUntil} and {@code owner} in
 * {@code chat:meta:{messageId}}, and the same deadline in the sorted set {@code chat:leases}, where a sweeper finds
 * expired ones without scanning keys. The instance running a generation renews it every few seconds; a lease that
 * expires means that instance is gone.
 */
@Component
class Leases {

    static final String INDEX = "chat:leases";

    /**
     * Renews only leases still in the index: a generation already swept stays swept. Returns the messages among them
     * whose cancel was asked for, so that a cancel whose message on {@value HotLog#CONTROL_CHANNEL} was lost (pub/sub
     * delivers at most once, and not to a subscriber whose connection is down) still stops its answer within a
     * renewal interval.
     */
    private static final RedisScript<List> RENEW = RedisScript.of("""
            local cancelled = {}
            for i, id in ipairs(ARGV) do
              if i > 1 and redis.call('ZSCORE', KEYS[1], id) then
                local meta = 'chat:meta:' .. id
                redis.call('ZADD', KEYS[1], ARGV[1], id)
                redis.call('HSET', meta, 'leaseUntil', ARGV[1])
                if redis.call('HGET', meta, 'cancelRequested') == 'true' then
                  table.insert(cancelled, id)
                end
              end
            end
            return cancelled
            """, List.class);

    /**
     * KEYS: meta, index, the user's answers under way; ARGV: deadline, owner, message id, retention, user id, now,
     * the user slot's deadline, the user's limit (0: take no slot), its key's lifetime, then the meta's other fields
     * and values. The lease, the meta unless it exists already, a slot among the user's answers under way over every
     * instance (a slot whose claim lapsed frees itself), and whether a cancel came first: the one round trip at the
     * start of an answer.
     */
    private static final RedisScript<List> GRANT = RedisScript.of("""
            redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'leaseUntil', ARGV[1])
            redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
            if redis.call('HSETNX', KEYS[1], 'userId', ARGV[5]) == 1 and #ARGV > 9 then
              redis.call('HSET', KEYS[1], unpack(ARGV, 10))
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            local slot = 0
            if tonumber(ARGV[8]) > 0 then
              redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[6])
              if redis.call('ZSCORE', KEYS[3], ARGV[3]) then
                slot = 1
              elseif redis.call('ZCARD', KEYS[3]) < tonumber(ARGV[8]) then
                redis.call('ZADD', KEYS[3], ARGV[7], ARGV[3])
                redis.call('PEXPIRE', KEYS[3], ARGV[9])
                slot = 1
              end
            end
            local cancelled = 0
            if redis.call('HGET', KEYS[1], 'cancelRequested') == 'true' then
              cancelled = 1
            end
            return {slot, cancelled}
            """, List.class);

    /** Takes an expired lease out of the index: exactly one sweeper gets 1 for it. */
    private static final RedisScript<Long> CLAIM = RedisScript.of("""
            local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if deadline and tonumber(deadline) <= tonumber(ARGV[2]) then
              redis.call('ZREM', KEYS[1], ARGV[1])
              return 1
            end
            return 0
            """, Long.class);

    private final StringRedisTemplate redis;
    private final Duration ttl;

    Leases(StringRedisTemplate redis, GenerationProperties properties) {
        this.redis = redis;
        this.ttl = properties.leaseTtl();
    }

    Duration ttl() {
        return ttl;
    }

    /**
     * Grants {@code owner} the lease of a message, records the message's metadata ({@code userId} and the other
     * fields) unless it is recorded already, kept for {@code retention}, and takes one of the user's {@code userLimit}
     * slots for {@code userClaim} (none when the limit is 0).
     */
    Grant grant(
            String messageId,
            String owner,
            String userId,
            Map<String, String> meta,
            Duration retention,
            int userLimit,
            Duration userClaim) {
        long now = System.currentTimeMillis();
        var args = new ArrayList<String>();
        args.add(Long.toString(now + ttl.toMillis()));
        args.add(owner);
        args.add(messageId);
        args.add(Long.toString(retention.toMillis()));
        args.add(userId);
        args.add(Long.toString(now));
        args.add(Long.toString(now + userClaim.toMillis()));
        args.add(Integer.toString(userLimit));
        args.add(Long.toString(userClaim.toMillis()));
        meta.forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        List<?> granted = redis.execute(
                GRANT, List.of(HotLog.metaKey(messageId), INDEX, UserStreamLimiter.key(userId)), args.toArray());
        if (granted == null || granted.size() != 2) {
            throw new IllegalStateException("unexpected answer to the lease grant of message " + messageId);
        }
        return new Grant(Long.valueOf(1).equals(granted.get(0)), Long.valueOf(1).equals(granted.get(1)));
    }

    /** Renews the leases of these messages; returns those whose cancel was asked for. */
    List<String> renew(Collection<String> messageIds) {
        if (messageIds.isEmpty()) {
            return List.of();
        }
        var args = new ArrayList<String>();
        args.add(Long.toString(System.currentTimeMillis() + ttl.toMillis()));
        args.addAll(messageIds);
        List<?> cancelled = redis.execute(RENEW, List.of(INDEX), args.toArray());
        return cancelled == null
                ? List.of()
                : cancelled.stream().map(String::valueOf).toList();
    }

    void release(String messageId) {
        redis.opsForZSet().remove(INDEX, messageId);
    }

    /** Up to {@code max} messages whose lease has expired (not yet claimed). */
    Set<String> expired(int max) {
        Set<String> found =
                redis.opsForZSet().rangeByScore(INDEX, Double.NEGATIVE_INFINITY, System.currentTimeMillis(), 0, max);
        return found == null ? Set.of() : found;
    }

    /** True for the one caller that takes the expired lease. */
    boolean claim(String messageId) {
        Long claimed = redis.execute(CLAIM, List.of(INDEX), messageId, Long.toString(System.currentTimeMillis()));
        return claimed != null && claimed == 1L;
    }

    /** What a grant found: whether the user had a slot free, and whether a cancel of the message came first. */
    record Grant(boolean userSlot, boolean cancelRequested) {}
}
