package dev.streamchat.recovery.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.streamchat.recovery.audit.RecoveryAudit;
import dev.streamchat.recovery.cache.TwoLevelCache;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ValueOperations;

/** The recovery service alone, its tiers and Redis replaced: how it decides, not what the tiers hold. */
class RecoveryServiceTests {

    private final HotLogTier hotLog = mock(HotLogTier.class);
    private final PersistenceTier persistence = mock(PersistenceTier.class);

    @SuppressWarnings("unchecked")
    private final TwoLevelCache<CompletedAnswer> completed = mock(TwoLevelCache.class);

    @SuppressWarnings("unchecked")
    private final TwoLevelCache<String> owners = mock(TwoLevelCache.class);

    private final StringRedisTemplate redis = mock(StringRedisTemplate.class);

    @SuppressWarnings("unchecked")
    private final ValueOperations<String, String> values = mock(ValueOperations.class);

    private final RedissonClient redisson = mock(RedissonClient.class);

    private final RecoveryService service = new RecoveryService(
            hotLog,
            persistence,
            completed,
            owners,
            redis,
            redisson,
            mock(RecoveryAudit.class),
            new RecoveryProperties(
                    1000,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(2),
                    64,
                    Duration.ofHours(1)),
            CircuitBreakerRegistry.ofDefaults(),
            new SimpleMeterRegistry());

    @Test
    void anOwnerThatCannotBeReadKeepsTheHotLogShutAndLeavesTheAnswerToTheDatabaseAskedWithTheCallersToken()
            throws Exception {
        RLock lock = mock(RLock.class);
        when(redisson.getLock(anyString())).thenReturn(lock);
        when(lock.tryLock(anyLong(), anyLong(), any())).thenReturn(true);
        when(completed.get(anyString())).thenReturn(Optional.empty());
        when(owners.get(anyString())).thenReturn(Optional.empty());
        when(redis.opsForValue()).thenReturn(values);
        when(values.get(anyString())).thenThrow(new RedisConnectionFailureException("Redis blinked"));
        // another user's answer, which the hot log would hand out: it holds no owner check of its own
        when(hotLog.read(anyString(), anyInt(), anyInt()))
                .thenReturn(Optional.of(TierAnswer.page(
                        "hot", List.of(Frame.chunk("m-1", 0, 1L, "not yours", "TEXT")), 0, 1000, null)));
        when(persistence.read("mallory-token", "m-1", 0)).thenReturn(Optional.empty());

        RecoveryResponse response = service.recover("mallory", "mallory-token", new RecoveryRequest("s-1", "m-1", -1));

        assertThat(response.frames()).isEmpty();
        assertThat(response.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        verify(hotLog, never()).read(anyString(), anyInt(), anyInt());
        verify(persistence).read("mallory-token", "m-1", 0);
    }

    @Test
    void theLargestIndexIsRefusedBeforeTheIndexAfterItOverflows() {
        assertThatThrownBy(
                        () -> service.recover("alice", "token", new RecoveryRequest("s-1", "m-1", Integer.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lastChunkIndex");
    }
}
