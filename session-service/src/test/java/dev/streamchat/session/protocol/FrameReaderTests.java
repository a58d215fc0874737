package dev.streamchat.session.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.json.JsonMapper;

/**
 * The frame reader alone, on generated input: every frame is either read or refused with a {@link ProtocolException}
 * (an ERROR the client gets), never another failure, and what it reads is what every service can store.
 */
class FrameReaderTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The defaults, bound as Boot binds them (a record's constructor would pin every field's position here). */
    private static final ProtocolProperties PROPERTIES =
            Binder.get(new MockEnvironment()).bindOrCreate("streamchat.protocol", ProtocolProperties.class);

    private final FrameReader reader =
            new FrameReader(PROPERTIES, new ProtocolLimits(new MockEnvironment(), PROPERTIES));

    @Property(tries = 2000)
    void anyTextIsReadOrRefusedWithAClearError(@ForAll("frames") String text) {
        try {
            ClientFrame frame = reader.read(text);
            assertThat(frame).isNotNull();
        } catch (ProtocolException refused) {
            assertThat(refused.code()).isNotNull();
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 2000)
    void aRequestIsReadOnlyWhenEachOfItsTextsCanBeStored(
            @ForAll("ids") String requestId, @ForAll("ids") String conversationId, @ForAll("texts") String content) {
        String frame = JSON.writeValueAsString(Map.of(
                "type", "CHAT_REQUEST", "requestId", requestId, "conversationId", conversationId, "content", content));
        boolean storable = requestId.matches("[A-Za-z0-9._:-]{1,128}")
                && conversationId.matches("[A-Za-z0-9._:-]{1,128}")
                && !content.isBlank()
                && content.length() <= PROPERTIES.maxContentChars()
                && FrameReader.unstorable(content) == null;
        try {
            var request = (ClientFrame.ChatRequest) reader.read(frame);
            assertThat(storable).as("read although it cannot be stored").isTrue();
            assertThat(request.content()).isEqualTo(content);
            assertThat(request.content().chars()).noneMatch(c -> c == 0);
        } catch (ProtocolException refused) {
            assertThat(storable).as("refused: " + refused.getMessage()).isFalse();
            assertThat(refused.code()).isEqualTo(ErrorCode.VALIDATION);
            assertThat(refused.requestId()).isIn(requestId, null);
        }
    }

    @Property(tries = 500)
    void aReconnectIndexIsReadOnlyWhenTheIndexAfterItIsAnInt(@ForAll long lastChunkIndex) {
        String frame = JSON.writeValueAsString(
                Map.of("type", "RECONNECT", "messageId", "m-1", "lastChunkIndex", lastChunkIndex));
        if (lastChunkIndex >= -1 && lastChunkIndex < Integer.MAX_VALUE) {
            assertThat(((ClientFrame.Reconnect) reader.read(frame)).lastChunkIndex())
                    .isEqualTo((int) lastChunkIndex);
        } else {
            assertThatThrownBy(() -> reader.read(frame))
                    .isInstanceOfSatisfying(
                            ProtocolException.class,
                            refused -> assertThat(refused.code()).isEqualTo(ErrorCode.VALIDATION));
        }
    }

    @Property(tries = 200)
    void theLargestIndexesAreRefused(@ForAll @IntRange(min = 0, max = 1000) int belowTheTop) {
        long index = (long) Integer.MAX_VALUE - belowTheTop;
        String frame =
                JSON.writeValueAsString(Map.of("type", "RECONNECT", "messageId", "m-1", "lastChunkIndex", index));
        if (belowTheTop == 0) {
            assertThatThrownBy(() -> reader.read(frame)).isInstanceOf(ProtocolException.class);
        } else {
            assertThat(((ClientFrame.Reconnect) reader.read(frame)).lastChunkIndex())
                    .isEqualTo((int) index);
        }
    }

    @Provide
    Arbitrary<String> frames() {
        Arbitrary<String> anyText = Arbitraries.strings().all().ofMaxLength(300);
        Arbitrary<String> almostFrames = Arbitraries.of("CHAT_REQUEST", "RECONNECT", "CANCEL_STREAM", "HEARTBEAT", "X")
                .flatMap(type -> Arbitraries.of("requestId", "messageId", "content", "lastChunkIndex", "options")
                        .flatMap(field -> jsonValues()
                                .map(value -> "{\"type\":\"" + type + "\",\"" + field + "\":" + value + "}")));
        Arbitrary<String> deep = Arbitraries.integers().between(1, 100).map(depth -> "[".repeat(depth));
        return Arbitraries.oneOf(anyText, almostFrames, deep);
    }

    private static Arbitrary<String> jsonValues() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(200).map(JSON::writeValueAsString),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("null", "true", "{}", "[]", "{\"a\":[1,{\"b\":null}]}", "1e400", "-0"));
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(1).ofMaxLength(140),
                Arbitraries.strings().all().ofMaxLength(20));
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(50),
                Arbitraries.strings().alpha().ofMinLength(9990).ofMaxLength(10010),
                Arbitraries.strings().withCharRange('\u0000', '\u0020').ofMaxLength(5),
                Arbitraries.strings().withCharRange('\ud7f0', '\ue010').ofMaxLength(6));
    }
}
