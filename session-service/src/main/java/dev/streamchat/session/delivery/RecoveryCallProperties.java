package dev.streamchat.session.delivery;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.recovery.*}: session-service's calls to recovery-service.
 *
 * @param timeout how long one call may take (a RECONNECT asks page after page); past it the client gets
 *     {@code RECOVERY {status: ERROR}} and asks again
 * @param maxConcurrentCalls calls this node makes to recovery-service at once; more wait here, in order, within
 *     {@code timeout}, rather than pile up on recovery-service and persistence-service and time out there
 */
@ConfigurationProperties("streamchat.recovery")
public record RecoveryCallProperties(
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("16") int maxConcurrentCalls) {}
