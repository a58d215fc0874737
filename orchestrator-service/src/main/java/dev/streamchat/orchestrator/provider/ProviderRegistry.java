package dev.streamchat.orchestrator.provider;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/** The providers this instance can call, by name; picks one for a request's {@code model}. */
@Component
public class ProviderRegistry {

    private final Map<String, ModelProvider> providers;
    private final String defaultProvider;

    ProviderRegistry(Collection<ModelProvider> providers, ProviderProperties properties) {
        this.providers = providers.stream().collect(Collectors.toMap(ModelProvider::name, Function.identity()));
        this.defaultProvider = properties.defaultProvider();
        if (!this.providers.containsKey(defaultProvider)) {
            throw new IllegalStateException("The default provider '" + defaultProvider + "' is not enabled; enabled: "
                    + this.providers.keySet());
        }
    }

    /** The provider and model a request's {@code model} names: {@code openai}, {@code openai/gpt-4o-mini}, or null. */
    public Optional<Selection> select(@Nullable String model) {
        if (model == null || model.isBlank()) {
            return Optional.of(new Selection(providers.get(defaultProvider), null));
        }
        int slash = model.indexOf('/');
        String name = slash < 0 ? model : model.substring(0, slash);
        String modelName = slash < 0 || slash == model.length() - 1 ? null : model.substring(slash + 1);
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
