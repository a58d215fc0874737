package dev.streamchat.persistence.events;

import java.util.List;
import java.util.function.Consumer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The bindings {@code messageEvents-in-0} (one event at a time; the binder's retries and dead-letter topic) and
 * {@code streamEvents-in-0} (in batches, one per poll; retries and dead letters are {@link StreamEventBatches}').
 */
@Configuration(proxyBeanMethods = false)
class EventConsumers {

    @Bean
    Consumer<ChatEvent> messageEvents(EventProjection projection) {
        return projection::apply;
    }

    @Bean
    Consumer<List<byte[]>> streamEvents(StreamEventBatches batches) {
        return batches::apply;
    }
}
