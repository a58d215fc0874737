package dev.streamchat.analytics.events;

import java.util.function.Consumer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code chat.stream.events} and {@code chat.session.events}, group {@code analytics-service}; a record that cannot be
 * read or applied goes, after the binder's retries, to the topic's {@code .analytics-service.dlt} dead-letter topic,
 * and the next records are processed.
 */
@Configuration(proxyBeanMethods = false)
class EventConsumers {

    @Bean
    Consumer<AnalyticsEvent> streamEvents(AnalyticsProjection projection) {
        return event -> applyIfRelevant(projection, event);
    }

    @Bean
    Consumer<AnalyticsEvent> sessionEvents(AnalyticsProjection projection) {
        return event -> applyIfRelevant(projection, event);
    }

    private static void applyIfRelevant(AnalyticsProjection projection, AnalyticsEvent event) {
        if (AnalyticsProjection.relevant(event)) {
            projection.apply(event);
        }
    }
}
