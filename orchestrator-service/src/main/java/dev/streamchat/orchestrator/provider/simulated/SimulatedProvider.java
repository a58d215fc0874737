package dev.streamchat.orchestrator.provider.simulated;

import dev.streamchat.orchestrator.provider.ModelPiece;
import dev.streamchat.orchestrator.provider.ModelProvider;
import dev.streamchat.orchestrator.provider.ModelRequest;
import dev.streamchat.orchestrator.provider.ProviderProperties;
import java.time.Duration;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/** The built-in provider {@code simulated}: a {@link SimulatedChatModel} set up for each request. */
public final class SimulatedProvider implements ModelProvider {

    public static final String NAME = "simulated";

    private final ProviderProperties.Simulated defaults;

    public SimulatedProvider(ProviderProperties.Simulated defaults) {
        this.defaults = defaults;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Duration coalesceWindow() {
        return defaults.coalesceWindow();
    }

    @Override
    public Flux<ModelPiece> stream(ModelRequest request) {
        return Flux.defer(() -> {
            Message prompt = request.messages().getLast();
            var settings = SimulationSettings.of(request.options(), defaults, String.valueOf(prompt.getText()));
            return ModelProvider.pieces(new SimulatedChatModel(settings), new Prompt(request.messages()));
        });
    }
}
