package dev.streamchat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/** Points Spring Kafka and the Spring Cloud Stream Kafka binder at the test broker. */
@TestConfiguration(proxyBeanMethods = false)
public class KafkaTestConfiguration {

    @Bean
    DynamicPropertyRegistrar kafkaProperties() {
        var kafka = TestInfrastructure.kafka();
        return registry -> {
            registry.add("spring.kafka.bootstrap-servers", kafka::bootstrapServers);
            registry.add("spring.cloud.stream.kafka.binder.brokers", kafka::bootstrapServers);
        };
    }
}
