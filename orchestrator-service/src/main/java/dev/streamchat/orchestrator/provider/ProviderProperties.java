package dev.streamchat.orchestrator.provider;

import java.time.Duration;
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

    /** Defaults of the simulated provider, each overridable per request in {@code options}. */
    public record Simulated(
            @DefaultValue("20") int chunks,
            @DefaultValue("20ms") Duration chunkInterval,
            @DefaultValue("0ms") Duration coalesceWindow) {}

    /** A provider reached over HTTP. */
    public record Remote(
            @DefaultValue("false") boolean enabled,
            @Nullable String baseUrl,
            @Nullable String apiKey,
            @Nullable String model,
            @DefaultValue("60s") Duration timeout,
            @DefaultValue("20ms") Duration coalesceWindow) {}
}
