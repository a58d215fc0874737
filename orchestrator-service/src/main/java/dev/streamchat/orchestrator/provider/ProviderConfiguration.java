package dev.streamchat.orchestrator.provider;

import java.util.Objects;
import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
import org.springframework.ai.ollama.api.OllamaChatOptions;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The providers, built from {@code streamchat.providers.*}: each one that is {@code enabled} (the simulated one in the
 * local profile and tests only). All of them at once, so that each request can pick its own (Spring AI's own auto-configuration
 * makes one chat model at a time).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProviderProperties.class)
class ProviderConfiguration {

    @Bean
    @ConditionalOnBooleanProperty("streamchat.providers.openai.enabled")
    ModelProvider openAiProvider(ProviderProperties properties) {
        var openai = properties.openai();
        var defaults = OpenAiChatOptions.builder()
                .baseUrl(required(openai.baseUrl(), "openai.base-url"))
                .apiKey(openai.apiKey() == null || openai.apiKey().isBlank() ? "none" : openai.apiKey())
                .model(openai.model())
                .timeout(openai.timeout())
                .maxRetries(0)
                .streamUsage(true)
                .build();
        var model = OpenAiChatModel.builder().options(defaults).build();
        return new RemoteProvider("openai", model, openai.coalesceWindow(), (name, options) -> {
            var chatOptions = ModelProvider.chatOptions(name, options, openai.maxTokens());
            var request = OpenAiChatOptions.builder().streamUsage(true);
            request.model(name != null ? name : openai.model());
            if (chatOptions.getTemperature() != null) {
                request.temperature(chatOptions.getTemperature());
            }
            if (chatOptions.getTopP() != null) {
                request.topP(chatOptions.getTopP());
            }
            request.maxTokens(chatOptions.getMaxTokens());
            return request.build();
        });
    }

    @Bean
    @ConditionalOnBooleanProperty("streamchat.providers.ollama.enabled")
    ModelProvider ollamaProvider(ProviderProperties properties) {
        var ollama = properties.ollama();
        var model = OllamaChatModel.builder()
                .ollamaApi(OllamaApi.builder()
                        .baseUrl(required(ollama.baseUrl(), "ollama.base-url"))
                        .build())
                .options(OllamaChatOptions.builder()
                        .model(required(ollama.model(), "ollama.model"))
                        .build())
                .build();
        return new RemoteProvider("ollama", model, ollama.coalesceWindow(), (name, options) -> {
            // Ollama's chat model takes only its own options class
            var portable = ModelProvider.chatOptions(name != null ? name : ollama.model(), options, ollama.maxTokens());
            return OllamaChatOptions.builder()
                    .model(portable.getModel())
                    .temperature(portable.getTemperature())
                    .topP(portable.getTopP())
                    .numPredict(portable.getMaxTokens())
                    .build();
        });
    }

    @Bean
    @ConditionalOnBooleanProperty("streamchat.providers.anthropic.enabled")
    ModelProvider anthropicProvider(ProviderProperties properties) {
        var anthropic = properties.anthropic();
        var defaults = AnthropicChatOptions.builder()
                .baseUrl(required(anthropic.baseUrl(), "anthropic.base-url"))
                .apiKey(required(anthropic.apiKey(), "anthropic.api-key"))
                .model(required(anthropic.model(), "anthropic.model"))
                .timeout(anthropic.timeout())
                .maxRetries(0)
                .build();
        var model = AnthropicChatModel.builder().options(defaults).build();
        return new RemoteProvider("anthropic", model, anthropic.coalesceWindow(), (name, options) -> {
            // Anthropic's chat model reads its own options class only: portable options would be dropped
            var portable =
                    ModelProvider.chatOptions(name != null ? name : anthropic.model(), options, anthropic.maxTokens());
            return AnthropicChatOptions.builder()
                    .model(portable.getModel())
                    .temperature(portable.getTemperature())
                    .topP(portable.getTopP())
                    .maxTokens(portable.getMaxTokens())
                    .build();
        });
    }

    private static String required(String value, String name) {
        return Objects.requireNonNull(value, () -> "streamchat.providers." + name + " is required");
    }
}
