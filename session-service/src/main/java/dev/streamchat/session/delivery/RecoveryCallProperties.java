package dev.streamchat.session.delivery;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.recovery.*}: session-service's calls to recovery-service.
 *
 * @param timeout how long one call may take (a RECONNECT asks page after page); past it the client gets
 *     {@code RECOVERY {status: ERROR}} and asks again
 */
@ConfigurationProperties("streamchat.recovery")
public record RecoveryCallProperties(@DefaultValue("10s") Duration timeout) {}
