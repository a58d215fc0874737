package dev.streamchat.orchestrator.provider.simulated;

import dev.streamchat.orchestrator.provider.ChunkType;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A Spring AI chat model that answers with deterministic text: the same settings give the same chunks. The first
 * tenth of the chunks are THINKING, one chunk in the middle is CODE, the rest TEXT; one word is one token. Faults on
 * request: an error at chunk k ({@code failAtChunk}), or silence from chunk k on ({@code stallAtChunk}).
 */
public final class SimulatedChatModel implements ChatModel {

    public static final String MODEL_NAME = "simulated-1";

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final String[] WORDS = {
        "stream",
        "chunk",
        "resume",
        "cursor",
        "index",
        "kafka",
        "redis",
        "node",
        "answer",
        "token",
        "gateway",
        "session",
        "recovery",
        "order",
        "exactly",
        "once",
        "latency",
        "client",
        "socket",
        "model",
        "the",
        "a",
        "of",
        "and",
        "every",
        "missing",
        "live",
        "log",
        "hot",
        "event"
    };

    private final SimulationSettings settings;

    public SimulatedChatModel(SimulationSettings settings) {
        this.settings = settings;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        throw new UnsupportedOperationException("The simulated model only streams");
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        int last = settings.chunks() - 1;
        Flux<Integer> indexes = Flux.range(0, settings.chunks());
        if (!settings.chunkInterval().isZero()) {
            indexes =
                    indexes.concatMap(i -> Mono.delay(settings.chunkInterval()).thenReturn(i));
        }
        return indexes.concatMap(i -> {
            if (i == settings.failAtChunk()) {
                return Flux.error(new SimulatedFailureException(i));
            }
            if (i == settings.stallAtChunk()) {
                return Flux.never();
            }
            return Flux.just(response(i, i == last));
        });
    }

    /** The text of chunk {@code index}; a pure function of the settings. */
    public String chunkText(int index) {
        var random = new SplittableRandom(settings.seed() * 31 + index);
        if (type(index) == ChunkType.CODE) {
            return "\n```java\nint chunk" + index + " = " + random.nextInt(1000) + ";\n```\n";
        }
        int words = 1 + random.nextInt(4);
        var text = new StringBuilder();
        for (int w = 0; w < words; w++) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return text.toString();
    }

    public ChunkType type(int index) {
        int thinking = settings.chunks() / 10;
        if (index < thinking) {
            return ChunkType.THINKING;
        }
        if (settings.chunks() >= 5 && index == settings.chunks() / 2) {
            return ChunkType.CODE;
        }
        return ChunkType.TEXT;
    }

    private ChatResponse response(int index, boolean last) {
        var message = AssistantMessage.builder()
                .content(chunkText(index))
                .properties(Map.of(ChunkType.METADATA_KEY, type(index).name()))
                .build();
        var generationMetadata =
                last ? ChatGenerationMetadata.builder().finishReason("STOP").build() : ChatGenerationMetadata.NULL;
        var responseMetadata = ChatResponseMetadata.builder().model(MODEL_NAME);
        if (last) {
            responseMetadata.usage(new DefaultUsage(0, tokens()));
        }
        return new ChatResponse(List.of(new Generation(message, generationMetadata)), responseMetadata.build());
    }

    private int tokens() {
        int tokens = 0;
        for (int i = 0; i < settings.chunks(); i++) {
            tokens += WHITESPACE.split(chunkText(i).trim()).length;
        }
        return tokens;
    }

    /** The fault asked for with {@code failAtChunk}. */
    public static final class SimulatedFailureException extends RuntimeException {
        SimulatedFailureException(int index) {
            super("simulated provider failure at chunk " + index);
        }
    }
}
