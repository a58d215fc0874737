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

    /**
     * The portable options of a request's {@code options}: {@code temperature} (0-2), {@code maxTokens} (1 to the
     * provider's {@code max-tokens}; that cap when absent, so no request asks a model for an unbounded answer) and
     * {@code topP} (0-1). A value out of range is the request's fault: {@link IllegalArgumentException}, which ends
     * the answer as {@code VALIDATION} before the provider is called.
     */
    static ChatOptions chatOptions(@Nullable String model, Map<String, Object> options, int maxTokensCap) {
        Number temperature = number(options, "temperature", 0, 2);
        Number maxTokens = number(options, "maxTokens", 1, maxTokensCap);
        Number topP = number(options, "topP", 0, 1);
        if (maxTokens != null && maxTokens.doubleValue() != Math.rint(maxTokens.doubleValue())) {
            throw new IllegalArgumentException("options.maxTokens must be a whole number");
        }
        return ChatOptions.builder()
                .model(model)
                .temperature(temperature == null ? null : temperature.doubleValue())
                .maxTokens(maxTokens == null ? maxTokensCap : maxTokens.intValue())
                .topP(topP == null ? null : topP.doubleValue())
                .build();
    }

    private static @Nullable Number number(Map<String, Object> options, String name, double min, double max) {
        Object value = options.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Number number) || !(number.doubleValue() >= min && number.doubleValue() <= max)) {
            throw new IllegalArgumentException(
                    "options." + name + " must be a number from " + format(min) + " to " + format(max));
        }
        return number;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
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
