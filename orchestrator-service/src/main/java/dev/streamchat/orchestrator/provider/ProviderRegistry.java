package dev.streamchat.orchestrator.provider;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/** The providers this instance can call, by name; picks one for a request's {@code model}. */
@Component
public class ProviderRegistry {

    private final Map<String, ModelProvider> providers;
    private final Map<String, Set<String>> models;
    private final String defaultProvider;

    ProviderRegistry(Collection<ModelProvider> providers, ProviderProperties properties) {
        this.providers = providers.stream().collect(Collectors.toMap(ModelProvider::name, Function.identity()));
        this.models = Map.of(
                "openai", properties.openai().allowedModels(),
                "ollama", properties.ollama().allowedModels(),
                "anthropic", properties.anthropic().allowedModels());
        this.defaultProvider = properties.defaultProvider();
        if (!this.providers.containsKey(defaultProvider)) {
            throw new IllegalStateException("The default provider '" + defaultProvider + "' is not enabled; enabled: "
                    + this.providers.keySet());
        }
    }

    /**
     * The provider and model a request's {@code model} names: {@code openai}, {@code openai/gpt-4o-mini}, or null;
     * empty for a provider that is not enabled or a model it is not configured with.
     */
    public Optional<Selection> select(@Nullable String model) {
        if (model == null || model.isBlank()) {
            return Optional.of(new Selection(providers.get(defaultProvider), null));
        }
        int slash = model.indexOf('/');
        String name = slash < 0 ? model : model.substring(0, slash);
        String modelName = slash < 0 || slash == model.length() - 1 ? null : model.substring(slash + 1);
        if (modelName != null && !models.getOrDefault(name, Set.of()).contains(modelName)) {
            return Optional.empty();
        }
        return Optional.ofNullable(providers.get(name)).map(provider -> new Selection(provider, modelName));
    }

    public ModelProvider defaultProvider() {
        return providers.get(defaultProvider);
    }

    public java.util.Set<String> names() {
        return providers.keySet();
    }

    /** A provider and, when the request named one, its model. */
    public record Selection(
            ModelProvider provider, @Nullable String model) {}
}
