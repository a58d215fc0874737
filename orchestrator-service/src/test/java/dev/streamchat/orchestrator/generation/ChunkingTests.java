package dev.streamchat.orchestrator.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.orchestrator.provider.ChunkType;
import dev.streamchat.orchestrator.provider.ModelPiece;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class ChunkingTests {

    @Test
    void withoutAWindowEachPieceIsAChunkAndLongOnesAreSplit() {
        var pieces = Flux.just(text("a"), text("b".repeat(2500)), text("c"));

        StepVerifier.create(Chunking.chunks(pieces, Duration.ZERO, 1024).map(ModelPiece::text))
                .expectNext("a", "b".repeat(1024), "b".repeat(1024), "b".repeat(452), "c")
                .verifyComplete();
    }

    @Test
    void aNulCharacterFromTheModelBecomesTheReplacementCharacter() {
        var pieces = Flux.just(text("a\u0000b"), text("c"));

        StepVerifier.create(Chunking.chunks(pieces, Duration.ZERO, 1024).map(ModelPiece::text))
                .expectNext("a\uFFFDb", "c")
                .verifyComplete();
    }

    @Test
    void piecesWithinTheWindowJoinWhileTheyShareAType() {
        var pieces = Flux.just(text("Hel"), text("lo"), new ModelPiece("x = 1", ChunkType.CODE, null, null), text("!"));

        StepVerifier.create(Chunking.chunks(pieces, Duration.ofMillis(50), 1024)
                        .map(piece -> piece.type() + ":" + piece.text()))
                .expectNext("TEXT:Hello", "CODE:x = 1", "TEXT:!")
                .verifyComplete();
    }

    @Test
    void piecesFurtherApartThanTheWindowStaySeparate() {
        var pieces = Flux.just(text("one"), text("two")).delayElements(Duration.ofMillis(100));

        StepVerifier.create(Chunking.chunks(pieces, Duration.ofMillis(20), 1024).map(ModelPiece::text))
                .expectNext("one", "two")
                .verifyComplete();
    }

    @Test
    void aSplitNeverCutsASurrogatePair() {
        String emoji = "\uD83D\uDE00";
        var parts = Chunking.split(text("a" + emoji.repeat(3)), 2);

        assertThat(parts).extracting(ModelPiece::text).containsExactly("a", emoji, emoji, emoji);
        assertThat(String.join("", parts.stream().map(ModelPiece::text).toList()))
                .isEqualTo("a" + emoji.repeat(3));
    }

    @Test
    void coalescingKeepsEveryCharacterInOrder() {
        var batch = List.of(text("x".repeat(700)), text("y".repeat(700)));

        assertThat(Chunking.coalesce(batch, 1024))
                .extracting(ModelPiece::text)
                .containsExactly("x".repeat(700) + "y".repeat(324), "y".repeat(376));
    }

    private static ModelPiece text(String text) {
        return new ModelPiece(text, ChunkType.TEXT, null, null);
    }
}
