package dev.streamchat.orchestrator.provider;

import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/**
 * A model provider behind Spring AI's streaming chat API. {@link #stream} is cold: nothing is sent to the model until
 * it is subscribed, and cancelling the subscription stops the call.
 */
public interface ModelProvider {

    String name();

    /** Tokens arriving within this window are sent as one chunk; zero sends each piece as it comes. */
    Duration coalesceWindow();

    Flux<ModelPiece> stream(ModelRequest request);

    /** Reads the pieces out of a Spring AI stream. */
    static Flux<ModelPiece> pieces(ChatModel model, Prompt prompt) {
        return model.stream(prompt).map(ModelProvider::piece);
    }

    /** The portable options of protocol v1's {@code options}: temperature, maxTokens, topP. */
    static ChatOptions chatOptions(@Nullable String model, Map<String, Object> options) {
        Number temperature = number(options.get("temperature"));
        Number maxTokens = number(options.get("maxTokens"));
        Number topP = number(options.get("topP"));
        return ChatOptions.builder()
                .model(model)
                .temperature(temperature == null ? null : temperature.doubleValue())
                .maxTokens(maxTokens == null ? null : maxTokens.intValue())
                .topP(topP == null ? null : topP.doubleValue())
                .build();
    }

    private static @Nullable Number number(@Nullable Object value) {
        return value instanceof Number number ? number : null;
    }

    private static ModelPiece piece(ChatResponse response) {
        var result = response.getResult();
        String text = "";
        ChunkType type = ChunkType.TEXT;
        String finishReason = null;
        if (result != null) {
            text = result.getOutput().getText() == null
                    ? ""
                    : result.getOutput().getText();
            Object marked = result.getOutput().getMetadata().get(ChunkType.METADATA_KEY);
            if (marked != null) {
                type = ChunkType.valueOf(marked.toString());
            }
            String reason = result.getMetadata().getFinishReason();
            finishReason = reason == null || reason.isBlank() ? null : reason;
        }
        Integer tokens = null;
        var usage = response.getMetadata().getUsage();
        if (usage != null && usage.getCompletionTokens() != null && usage.getCompletionTokens() > 0) {
            tokens = usage.getCompletionTokens();
        }
        return new ModelPiece(text, type, finishReason, tokens);
    }
}
