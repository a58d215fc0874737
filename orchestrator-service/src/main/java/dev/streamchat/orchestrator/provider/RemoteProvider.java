package dev.streamchat.orchestrator.provider;

import java.time.Duration;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/** A provider reached over HTTP through its Spring AI chat model (OpenAI-compatible, Ollama, Anthropic). */
final class RemoteProvider implements ModelProvider {

    private final String name;
    private final ChatModel model;
    private final Duration coalesceWindow;
    private final BiFunction<@Nullable String, java.util.Map<String, Object>, ChatOptions> options;

    RemoteProvider(
            String name,
            ChatModel model,
            Duration coalesceWindow,
            BiFunction<@Nullable String, java.util.Map<String, Object>, ChatOptions> options) {
        this.name = name;
        this.model = model;
        this.coalesceWindow = coalesceWindow;
        this.options = options;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Duration coalesceWindow() {
        return coalesceWindow;
    }

    @Override
    public Flux<ModelPiece> stream(ModelRequest request) {
        return Flux.defer(() -> ModelProvider.pieces(
                model, new Prompt(request.messages(), options.apply(request.model(), request.options()))));
    }
}
