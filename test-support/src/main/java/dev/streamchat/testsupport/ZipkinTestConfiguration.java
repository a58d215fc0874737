package dev.streamchat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/** Sends the test application's spans to the test Zipkin server. */
@TestConfiguration(proxyBeanMethods = false)
public class ZipkinTestConfiguration {

    @Bean
    DynamicPropertyRegistrar zipkinProperties() {
        var zipkin = TestInfrastructure.zipkin();
        return registry -> registry.add("management.tracing.export.zipkin.endpoint", zipkin::spansEndpoint);
    }
}
