package dev.streamchat.orchestrator.provider.simulated;

import dev.streamchat.orchestrator.provider.ModelProvider;
import dev.streamchat.orchestrator.provider.ProviderProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The simulated provider, where it is enabled (the local profile and tests). */
@Configuration(proxyBeanMethods = false)
class SimulatedProviderConfiguration {

    @Bean
    @ConditionalOnBooleanProperty("streamchat.providers.simulated.enabled")
    ModelProvider simulatedProvider(ProviderProperties properties) {
        return new SimulatedProvider(properties.simulated());
    }
}
