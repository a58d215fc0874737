package dev.streamchat.session.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.streamchat.session.delivery.FrameSink;
import dev.streamchat.session.delivery.LogFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import tools.jackson.databind.json.JsonMapper;

/**
 * A connection's send path alone, over a socket the test controls: how late live chunks are is measured when their
 * frame is written to the socket, not when it joins the send buffer, once per batch, and never for chunks read from
 * the log.
 */
class ChatConnectionTests {

    private final WebSocketSession socket = mock(WebSocketSession.class);
    private final List<String> written = new CopyOnWriteArrayList<>();
    private final List<Long> lateness = new CopyOnWriteArrayList<>();

    ChatConnectionTests() {
        when(socket.isOpen()).thenReturn(true);
    }

    @Test
    void aLiveBatchSplitOverFramesIsMeasuredOnceAndChunksFromTheLogNever() throws Exception {
        writes(null);
        var connection = connection(2, 1024);

        // 40 chunks of 100 characters: more than one frame of 1 KiB
        assertThat(connection.sendChunks("m1", chunks(0, 40, 100), 7_000L)).isTrue();
        assertThat(connection.sendChunks("m1", chunks(40, 5, 10), FrameSink.NOT_LIVE))
                .isTrue();

        assertThat(written.size()).isGreaterThan(2);
        assertThat(lateness).containsExactly(7_000L);
    }

    @Test
    void aV1ConnectionIsMeasuredOnceABatchToo() throws Exception {
        writes(null);
        var connection = connection(1, 61_440);

        assertThat(connection.sendChunks("m1", chunks(0, 3, 10), 9_000L)).isTrue();

        assertThat(written).hasSize(3);
        assertThat(lateness).containsExactly(9_000L);
    }

    @Test
    void aBatchWaitingInTheSendBufferIsMeasuredWhenItIsWritten() throws Exception {
        var socketFull = new CountDownLatch(1);
        writes(socketFull);
        var connection = connection(2, 61_440);

        // the first write stands still, as on a socket whose peer does not read
        Thread first = Thread.ofVirtual().start(() -> connection.sendChunks("m1", chunks(0, 1, 10), 1_000L));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> written.size() == 1);
        assertThat(connection.sendChunks("m1", chunks(1, 1, 10), 2_000L)).isTrue();
        assertThat(lateness).as("both frames are still on their way").isEmpty();

        socketFull.countDown();
        first.join();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lateness.size() == 2);
        assertThat(lateness).containsExactly(1_000L, 2_000L);
        assertThat(written).hasSize(2);
    }

    private ChatConnection connection(int protocolVersion, int maxChunksFrameBytes) {
        return new ChatConnection(
                socket,
                "s1",
                "alice",
                "token",
                null,
                JsonMapper.builder().build(),
                10_000,
                1_048_576,
                protocolVersion,
                maxChunksFrameBytes,
                new SimpleMeterRegistry().counter("closed"),
                (userId, emittedAtMicros) -> lateness.add(emittedAtMicros));
    }

    /** Every frame written is kept; the first write waits for {@code firstWrite} when there is one. */
    private void writes(CountDownLatch firstWrite) throws Exception {
        doAnswer(call -> {
                    written.add(((WebSocketMessage<?>) call.getArgument(0))
                            .getPayload()
                            .toString());
                    if (firstWrite != null && written.size() == 1) {
                        assertThat(firstWrite.await(10, TimeUnit.SECONDS)).isTrue();
                    }
                    return null;
                })
                .when(socket)
                .sendMessage(any());
    }

    private static List<LogFrame> chunks(int from, int count, int length) {
        return IntStream.range(from, from + count)
                .mapToObj(index -> new LogFrame(
                        "CHUNK",
                        "m1",
                        index,
                        index,
                        "x".repeat(length),
                        "TEXT",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        index * 1000L))
                .toList();
    }
}
