package dev.streamchat.persistence.events;

import java.util.function.Consumer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The bindings {@code messageEvents-in-0} and {@code streamEvents-in-0} (group persistence-service, dead-letter topics
 * for records that fail three times).
 */
@Configuration(proxyBeanMethods = false)
class EventConsumers {

    @Bean
    Consumer<ChatEvent> messageEvents(EventProjection projection) {
        return projection::apply;
    }

    @Bean
    Consumer<ChatEvent> streamEvents(EventProjection projection) {
        return projection::apply;
    }
}
