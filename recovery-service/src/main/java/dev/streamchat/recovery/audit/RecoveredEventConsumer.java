package dev.streamchat.recovery.audit;

import java.util.function.Consumer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The binding {@code sessionRecoveries-in-0}: {@code chat.session.events}, group {@code recovery-service}. The resumes
 * session nodes serve from the hot log go into {@code recovery_audit} beside the ones this service serves, once each
 * (by event id); every other event of the topic is let go. A record that cannot be read or stored goes to
 * {@code chat.session.events.recovery-service.dlt} after the binder's retries.
 */
@Configuration(proxyBeanMethods = false)
class RecoveredEventConsumer {

    @Bean
    Consumer<SessionRecovery> sessionRecoveries(RecoveryAudit audit) {
        return event -> {
            if (event.servedBySessionNode()) {
                audit.store(event.entry(), event.eventId());
            }
        };
    }
}
