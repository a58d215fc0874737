package dev.streamchat.persistence.events;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.stream.binder.ConsumerProperties;
import org.springframework.cloud.stream.config.BindingServiceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.ExponentialBackOffWithMaxRetries;

/**
 * Retries and dead letters of the batch binding {@code streamEvents-in-0}, in its listener container: the binder's own
 * dead-letter handling would send every record of a failed batch to the dead-letter topic. The policy is the binding's
 * (its {@code max-attempts}, {@code back-off-*} and {@code retryable-exceptions} in config-repo): a record named by
 * {@link StreamEventBatches} as wrong in itself goes to {@code dlq-name} at once, and the records before it are
 * committed; a batch that fails otherwise (the database away) is asked again with back-off, and only after the last
 * attempt are its records sent there.
 */
@Configuration(proxyBeanMethods = false)
class DeadLetterConfiguration {

    static final String BINDING = "streamEvents-in-0";

    /** {@code kafka} is Boot's template, with byte serializers (config-repo): the records go there as they came. */
    @Bean
    DefaultErrorHandler streamEventsErrorHandler(
            BindingServiceProperties bindings,
            KafkaOperations<?, ?> kafka,
            @Value("${spring.cloud.stream.kafka.bindings." + BINDING + ".consumer.dlq-name}") String deadLetterTopic) {
        var recoverer =
                new DeadLetterPublishingRecoverer(kafka, (record, error) -> new TopicPartition(deadLetterTopic, -1));

        ConsumerProperties retry = bindings.getConsumerProperties(BINDING);
        var backOff = new ExponentialBackOffWithMaxRetries(Math.max(0, retry.getMaxAttempts() - 1));
        backOff.setInitialInterval(retry.getBackOffInitialInterval());
        backOff.setMultiplier(retry.getBackOffMultiplier());
        backOff.setMaxInterval(retry.getBackOffMaxInterval());
        var handler = new DefaultErrorHandler(recoverer, backOff);
        retry.getRetryableExceptions().forEach((type, retryable) -> {
            if (!retryable) {
                handler.addNotRetryableExceptions(type.asSubclass(Exception.class));
            }
        });
        return handler;
    }

    @Bean
    NewTopic streamEventsDeadLetterTopic(
            @Value("${spring.cloud.stream.kafka.bindings." + BINDING + ".consumer.dlq-name}") String deadLetterTopic) {
        return TopicBuilder.name(deadLetterTopic).partitions(3).build();
    }
}
