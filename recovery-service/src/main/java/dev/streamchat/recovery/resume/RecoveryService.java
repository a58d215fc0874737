package dev.streamchat.recovery.resume;

import dev.streamchat.recovery.audit.RecoveryAudit;
import dev.streamchat.recovery.cache.TwoLevelCache;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;

/**
 * One recovery (DESIGN.md section 5): the hot log first, then completed answers already cached, then
 * persistence-service; an answer that is not the caller's is NOT_FOUND whichever tier knows it. Two recoveries of one
 * session and message never interleave (a Redisson lock). Every recovery is audited and announced.
 */
@Service
public class RecoveryService {

    private static final Logger log = LoggerFactory.getLogger(RecoveryService.class);

    private final HotLogTier hotLog;
    private final PersistenceTier persistence;
    private final TwoLevelCache<CompletedAnswer> completed;
    private final TwoLevelCache<String> owners;
    private final StringRedisTemplate redis;
    private final RedissonClient redisson;
    private final RecoveryAudit audit;
    private final RecoveryProperties properties;
    private final CircuitBreaker redisBreaker;
    private final CircuitBreaker persistenceBreaker;
    private final MeterRegistry meters;

    RecoveryService(
            HotLogTier hotLog,
            PersistenceTier persistence,
            TwoLevelCache<CompletedAnswer> completed,
            TwoLevelCache<String> owners,
            StringRedisTemplate redis,
            RedissonClient redisson,
            RecoveryAudit audit,
            RecoveryProperties properties,
            CircuitBreakerRegistry breakers,
            MeterRegistry meters) {
        this.hotLog = hotLog;
        this.persistence = persistence;
        this.completed = completed;
        this.owners = owners;
        this.redis = redis;
        this.redisson = redisson;
        this.audit = audit;
        this.properties = properties;
        this.redisBreaker = breakers.circuitBreaker("redis");
        this.persistenceBreaker = breakers.circuitBreaker("persistence-service");
        this.meters = meters;
    }

    public RecoveryResponse recover(String userId, String bearerToken, RecoveryRequest request) {
        request.validate();
        long started = System.nanoTime();
        String messageId = request.messageId();
        int from = request.lastChunkIndex() + 1;
        RecoveryResponse response;
        try {
            Optional<RLock> lock = lock(request);
            try {
                response = resolve(userId, bearerToken, messageId, from);
            } finally {
                lock.ifPresent(RecoveryService::unlock);
            }
        } catch (LockBusyException e) {
            response = RecoveryResponse.empty(messageId, RecoveryStatus.ERROR, from);
        }
        long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started);
        Timer.builder("streamchat.recovery.latency")
                .description("Time to answer a recovery, by tier and status")
                .tag("tier", response.tier() == null ? "none" : response.tier())
                .tag("status", response.status().name())
                .publishPercentileHistogram()
                .register(meters)
                .record(micros, TimeUnit.MICROSECONDS);
        int chunks = (int) response.frames().stream().filter(Frame::isChunk).count();
        audit.record(new RecoveryAudit.Entry(
                userId,
                request.sessionId(),
                messageId,
                from,
                response.tier(),
                response.status().name(),
                chunks,
                micros));
        return response;
    }

    private RecoveryResponse resolve(String userId, String bearerToken, String messageId, int from) {
        Optional<String> owner;
        boolean hotLogFailed = false;
        try {
            owner = owner(messageId);
        } catch (RuntimeException e) {
            // fail closed: the hot log is read only for its known owner; the database tier checks the owner itself
            // (it is asked with the user's own token)
            owner = Optional.empty();
            hotLogFailed = true;
            log.warn("Owner of message {} not read; the hot log is passed over: {}", messageId, e.toString());
        }
        if (owner.isPresent() && !owner.get().equals(userId)) {
            return RecoveryResponse.empty(messageId, RecoveryStatus.NOT_FOUND, from);
        }
        Optional<TierAnswer> live = Optional.empty();
        if (owner.isPresent()) {
            try {
                live = redisBreaker.executeSupplier(() -> hotLog.read(messageId, from, max()));
            } catch (RuntimeException e) {
                hotLogFailed = true;
                log.warn("Hot log not read for message {}: {}", messageId, e.toString());
            }
        }
        if (live.isPresent()) {
            return answer(messageId, from, live.get());
        }
        Optional<CompletedAnswer> cached = completed.get(messageId);
        if (cached.isPresent()) {
            if (!cached.get().userId().equals(userId)) {
                return RecoveryResponse.empty(messageId, RecoveryStatus.NOT_FOUND, from);
            }
            return answer(messageId, from, page("cache", cached.get().frames(), from));
        }
        Optional<PersistenceTier.Stored> stored;
        try {
            stored = persistenceBreaker.executeSupplier(() -> persistence.read(bearerToken, messageId, 0));
        } catch (RuntimeException e) {
            log.warn(
                    "persistence-service not asked for message {}{}: {}",
                    messageId,
                    hotLogFailed ? " (nor the hot log)" : "",
                    e.toString());
            return RecoveryResponse.empty(messageId, RecoveryStatus.ERROR, from);
        }
        if (stored.isEmpty()) {
            if (owner.isPresent() && allocatedRecently(messageId)) {
                // session-service gave out the id, the orchestrator has not written a chunk yet: the live stream
                // will bring everything, from the cursor
                return new RecoveryResponse(messageId, RecoveryStatus.RECOVERED, null, from, -1, List.of(), null);
            }
            return RecoveryResponse.empty(
                    messageId, owner.isPresent() ? RecoveryStatus.EXPIRED : RecoveryStatus.NOT_FOUND, from);
        }
        owners.put(messageId, userId);
        if (stored.get().complete()) {
            completed.put(messageId, new CompletedAnswer(userId, stored.get().frames()));
        }
        return answer(messageId, from, page(PersistenceTier.TIER, stored.get().frames(), from));
    }

    private TierAnswer page(String tier, List<Frame> frames, int from) {
        return TierAnswer.page(
                tier, frames.stream().filter(frame -> frame.index() >= from).toList(), from, max(), null);
    }

    private RecoveryResponse answer(String messageId, int from, TierAnswer answer) {
        if (answer.totalChunks() != null && from > answer.totalChunks()) {
            throw new IllegalArgumentException(
                    "lastChunkIndex is past the end of the answer (" + answer.totalChunks() + " chunks)");
        }
        return new RecoveryResponse(
                messageId,
                answer.status(),
                answer.tier(),
                from,
                answer.missing(from),
                answer.frames(),
                answer.nextIndex());
    }

    /**
     * The owner from the caches, else from what session-service and orchestrator-service recorded in Redis; cached
     * once known (an owner never changes). Fails when Redis cannot be asked.
     */
    private Optional<String> owner(String messageId) {
        Optional<String> cached = owners.get(messageId);
        if (cached.isPresent()) {
            return cached;
        }
        Optional<String> known = redisBreaker.executeSupplier(() -> {
            String recorded = redis.opsForValue().get("chat:message:" + messageId + ":owner");
            // "<user> <conversation>": a conversation id holds no space
            return recorded != null
                    ? Optional.of(recorded.substring(0, recorded.lastIndexOf(' ')))
                    : hotLog.owner(messageId);
        });
        known.ifPresent(id -> owners.put(messageId, id));
        return known;
    }

    /** True while session-service's record of the answer's allocation (a day) exists. */
    private boolean allocatedRecently(String messageId) {
        try {
            return Boolean.TRUE.equals(
                    redisBreaker.executeSupplier(() -> redis.hasKey("chat:message:" + messageId + ":owner")));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private int max() {
        return properties.maxFrames();
    }

    /**
     * The session's lock on the message: present when taken, empty when Redis could not be asked (the recovery goes
     * ahead; without Redis there is no live stream to interleave with); {@link LockBusyException} when another recovery
     * of the same session and message held it past the wait.
     */
    private Optional<RLock> lock(RecoveryRequest request) {
        RLock lock = redisson.getLock("chat:recovery:lock:" + request.sessionId() + ":" + request.messageId());
        boolean taken;
        try {
            taken = lock.tryLock(
                    properties.lockWait().toMillis(), properties.lockLease().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockBusyException();
        } catch (RuntimeException e) {
            log.warn("Recovery lock not taken (Redis): {}", e.toString());
            return Optional.empty();
        }
        if (!taken) {
            log.warn(
                    "Recovery of message {} refused: another one of session {} held the lock",
                    request.messageId(),
                    request.sessionId());
            throw new LockBusyException();
        }
        return Optional.of(lock);
    }

    private static void unlock(RLock lock) {
        try {
            lock.unlock();
        } catch (RuntimeException e) {
            log.debug("Recovery lock not released: {}", e.toString());
        }
    }

    /** Another recovery of the same session and message holds the lock. */
    private static final class LockBusyException extends RuntimeException {
        LockBusyException() {
            super("recovery in progress", null, false, false);
        }
    }
}
