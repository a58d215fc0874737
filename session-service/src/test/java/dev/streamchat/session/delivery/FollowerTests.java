package dev.streamchat.session.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.streamchat.session.protocol.ServerFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cursor of DESIGN.md section 5 on its own: whatever order backlog and live frames meet in, a follower sends every
 * index after the declared one once, in order, then one terminal frame.
 */
class FollowerTests {

    private static final String MESSAGE = "m1";

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<LogFrame> log = new CopyOnWriteArrayList<>();
    private final HotLogReader hotLog = mock(HotLogReader.class);
    private final RecordingSink sink = new RecordingSink();

    FollowerTests() {
        when(hotLog.read(anyString(), anyInt(), anyInt())).thenAnswer(call -> {
            int from = call.getArgument(1);
            int to = call.getArgument(2);
            return log.stream()
                    .filter(frame -> frame.index() >= from && (to < 0 || frame.index() <= to))
                    .toList();
        });
    }

    @AfterEach
    void stop() {
        executor.close();
    }

    @Test
    void aHeldFollowerSendsNothingLiveUntilItsBacklogHasGoneThroughTheCursor() {
        IntStream.range(0, 6).forEach(i -> log.add(chunk(i)));
        var follower = held(3);

        follower.deliver(List.of(chunk(5)));
        follower.deliver(List.of(chunk(6)));
        assertThat(sink.indexes()).isEmpty();

        assertThat(follower.backlog(List.of(chunk(3), chunk(4), chunk(5)))).isTrue();
        assertThat(sink.indexes()).containsExactly(3, 4, 5);
        follower.release();
        follower.deliver(List.of(complete(7)));

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(follower::ended);
        assertThat(sink.indexes()).containsExactly(3, 4, 5, 6, 7);
        assertThat(sink.frames.getLast()).isInstanceOf(ServerFrame.Complete.class);
        assertThat(sink.batches).containsExactly(List.of(3, 4, 5), List.of(6));
    }

    @Test
    void chunksThatCameLiveSayWhenTheOldestOfTheirMessagesWasEmittedAndOthersThatTheyDidNot() {
        IntStream.range(0, 3).forEach(i -> log.add(chunk(i)));
        var follower = held(0);
        follower.deliver(List.of(chunk(3), chunk(4)));
        follower.deliver(List.of(chunk(5)));

        assertThat(follower.backlog(List.copyOf(log))).isTrue();
        follower.release();
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> sink.indexes().size() == 6);
        follower.deliver(List.of(chunk(6), complete(7)));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(follower::ended);

        // the backlog page, then the two live messages kept while held (chunk 3 emitted at 3,000 us), then the last
        assertThat(sink.batches).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6));
        assertThat(sink.liveSince).containsExactly(FrameSink.NOT_LIVE, 3000L, 6000L);
    }

    @Test
    void theChunksOfALiveBatchGoOutTogetherWithoutThoseSentBeforeAndWithTheGapBeforeThem() {
        IntStream.range(0, 12).forEach(i -> log.add(chunk(i)));
        var follower = held(2);
        follower.release();
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> sink.indexes().size() == 10);
        sink.batches.clear();
        IntStream.range(12, 20).forEach(i -> log.add(chunk(i)));

        // 10 and 11 were sent from the log already; 15 to 17 come live after a lost message with 12 to 14
        follower.deliver(List.of(chunk(10), chunk(11)));
        follower.deliver(List.of(chunk(15), chunk(16), chunk(17)));
        follower.deliver(List.of(chunk(18), chunk(19), complete(20)));

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(follower::ended);
        assertThat(sink.indexes())
                .containsExactlyElementsOf(IntStream.rangeClosed(2, 20).boxed().toList());
        assertThat(sink.batches.stream().flatMap(List::stream).toList())
                .containsExactlyElementsOf(IntStream.range(12, 20).boxed().toList());
        assertThat(sink.batches).allSatisfy(batch -> assertThat(batch).isNotEmpty());
        assertThat(sink.batches.size())
                .as("frames for 8 chunks in 2 live messages")
                .isLessThanOrEqualTo(2);
    }

    @Test
    void theRaceBetweenBacklogAndLiveChunksIsHarmlessWhateverTheInterleaving() throws Exception {
        for (int round = 0; round < 200; round++) {
            log.clear();
            sink.frames.clear();
            sink.batches.clear();
            var random = ThreadLocalRandom.current();
            int total = 20 + random.nextInt(40);
            int declared = random.nextInt(total);
            int written = declared + random.nextInt(total - declared + 1);
            for (int i = 0; i < written; i++) {
                log.add(chunk(i));
            }
            var follower = held(declared + 1);
            // the generation goes on while the client reconnects: append to the log, then publish
            // in live messages of one to four entries, as the generation's appends come
            var live = executor.submit(() -> {
                int i = written;
                while (i <= total) {
                    var batch = new ArrayList<LogFrame>();
                    for (int n = 1 + random.nextInt(4); n > 0 && i <= total; n--, i++) {
                        LogFrame frame = i == total ? complete(i) : chunk(i);
                        log.add(frame);
                        batch.add(frame);
                    }
                    follower.deliver(batch);
                    if (random.nextInt(4) == 0) {
                        Thread.yield();
                    }
                }
            });
            var backlog = new ArrayList<>(
                    log.stream().filter(frame -> frame.index() > declared).toList());
            follower.backlog(backlog);
            follower.release();
            live.get();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(follower::ended);

            assertThat(sink.indexes())
                    .as("round %d: %d chunks, declared %d, %d written before", round, total, declared, written)
                    .containsExactlyElementsOf(
                            IntStream.rangeClosed(declared + 1, total).boxed().toList());
        }
    }

    private Follower held(int next) {
        return new Follower(
                MESSAGE, next, sink, hotLog, from -> hotLog.read(MESSAGE, from, -1), true, executor, follower -> {});
    }

    private static LogFrame chunk(int index) {
        return new LogFrame(
                "CHUNK",
                MESSAGE,
                index,
                index,
                "c" + index,
                "TEXT",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                index * 1000L);
    }

    private static LogFrame complete(int index) {
        return new LogFrame(
                "COMPLETE", MESSAGE, index, index, null, null, index, "STOP", index, "sha", null, null, null, null);
    }

    private static final class RecordingSink implements FrameSink {

        final List<ServerFrame> frames = new CopyOnWriteArrayList<>();
        final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        final List<Long> liveSince = new CopyOnWriteArrayList<>();

        @Override
        public boolean send(ServerFrame frame) {
            frames.add(frame);
            return true;
        }

        @Override
        public boolean sendChunks(String messageId, List<LogFrame> chunks, long liveSinceMicros) {
            assertThat(chunks).isNotEmpty();
            batches.add(chunks.stream().map(LogFrame::index).toList());
            liveSince.add(liveSinceMicros);
            chunks.forEach(chunk -> frames.add(ServerFrame.Chunk.of(
                    messageId, chunk.index(), chunk.content(), chunk.chunkType(), chunk.emittedAtMicrosOrMillis())));
            return true;
        }

        @Override
        public boolean stalled() {
            return false;
        }

        @Override
        public void closeAsSlow() {}

        List<Integer> indexes() {
            return frames.stream()
                    .map(frame -> switch (frame) {
                        case ServerFrame.Chunk chunk -> chunk.index();
                        case ServerFrame.Complete complete -> complete.totalChunks();
                        default -> -1;
                    })
                    .toList();
        }
    }
}
