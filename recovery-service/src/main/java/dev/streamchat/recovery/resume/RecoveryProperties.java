package dev.streamchat.recovery.resume;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.recovery.*}.
 *
 * @param maxFrames entries in one answer at most; the caller continues from {@code nextIndex}
 * @param lockWait how long a recovery waits for another one of the same session and message
 * @param lockLease how long a lock outlives a recovery that died holding it
 * @param persistenceTimeout connect and read timeout of a call to persistence-service
 * @param completedCacheMegabytes content of completed answers kept in process (L1)
 * @param sharedCacheTtl how long completed answers and owners stay in Redis (L2)
 */
@ConfigurationProperties("streamchat.recovery")
public record RecoveryProperties(
        @DefaultValue("1000") int maxFrames,
        @DefaultValue("2s") Duration lockWait,
        @DefaultValue("10s") Duration lockLease,
        @DefaultValue("2s") Duration persistenceTimeout,
        @DefaultValue("64") int completedCacheMegabytes,
        @DefaultValue("1h") Duration sharedCacheTtl) {}
