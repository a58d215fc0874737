package dev.streamchat.orchestrator.provider;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.providers.*}: which providers exist and how to reach them. A request names one in {@code model},
 * as {@code provider} or {@code provider/model-name}; without it, {@code default-provider} answers.
 */
@ConfigurationProperties("streamchat.providers")
public record ProviderProperties(
        @DefaultValue("simulated") String defaultProvider,
        @DefaultValue Simulated simulated,
        @DefaultValue Remote openai,
        @DefaultValue Remote ollama,
        @DefaultValue Remote anthropic) {

    /**
     * The simulated provider: for the local profile and tests only ({@code enabled}), never a deployment's, since its
     * options let a request choose how long an answer is and when it fails. Its defaults are each overridable per
     * request in {@code options}.
     */
    public record Simulated(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("20") int chunks,
            @DefaultValue("20ms") Duration chunkInterval,
            @DefaultValue("0ms") Duration coalesceWindow) {}

    /**
     * A provider reached over HTTP. A request may name {@code model} or one of {@code models}, nothing else: a model
     * name is a meter tag and a column, so the names a client can make the system hold are the configured ones.
     * {@code max-tokens} caps what a request may ask for in {@code options.maxTokens}, and is what it gets when it
     * asks for nothing: what one user's answer may cost is bounded.
     */
    public record Remote(
            @DefaultValue("false") boolean enabled,
            @Nullable String baseUrl,
            @Nullable String apiKey,
            @Nullable String model,
            @DefaultValue List<String> models,
            @DefaultValue("4096") int maxTokens,
            @DefaultValue("60s") Duration timeout,
            @DefaultValue("20ms") Duration coalesceWindow) {

        /** The model names a request may ask this provider for. */
        public Set<String> allowedModels() {
            var allowed = new HashSet<>(models);
            if (model != null) {
                allowed.add(model);
            }
            return allowed;
        }
    }
}
