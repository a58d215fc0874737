package dev.streamchat.session.delivery;

import dev.streamchat.session.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection following one message, through the cursor of DESIGN.md section 5: {@code next} is the first index not
 * yet sent. A frame below {@code next} is a duplicate and dropped; at {@code next} it is sent and {@code next}
 * advances; above it, the gap {@code [next, index)} is read from the hot log and sent first. The terminal frame sits
 * at index {@code totalChunks}, so it goes out only after every chunk. Live messages (each a batch of entries) are
 * handled in arrival order on a virtual thread per follower; at most {@link #MAX_PENDING} entries wait. The chunks
 * that pass the cursor together (a live batch, what piled up meanwhile, a backlog page) go to the connection together
 * ({@link FrameSink#sendChunks}): one frame for them all where the client speaks protocol v2.
 *
 * <p>A follower made for a RECONNECT starts held: it is subscribed and keeps what arrives live, but sends nothing until
 * the backlog has gone through the same cursor ({@link #backlog}) and it is {@linkplain #release released}. Whatever
 * order backlog and live frames meet in, each index goes out once.
 */
public final class Follower {

    private static final Logger log = LoggerFactory.getLogger(Follower.class);

    /** Entries that may wait for one follower; a client this far behind is closed as too slow. */
    static final int MAX_PENDING = 4096;

    private final String messageId;
    private final FrameSink sink;
    private final HotLogReader hotLog;
    private final Backlog backlog;
    private final Executor executor;
    private final Consumer<Follower> onEnd;
    private final Queue<List<LogFrame>> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    /** Chunks that passed the cursor and are to be sent together; guarded by {@link #cursorLock}. */
    private final List<LogFrame> outgoing = new ArrayList<>();
    /** When the oldest live message among {@link #outgoing}'s sources was emitted; guarded by {@link #cursorLock}. */
    private long liveSince = FrameSink.NOT_LIVE;

    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closingAsSlow = new AtomicBoolean();
    private final ReentrantLock cursorLock = new ReentrantLock();
    private volatile int next;
    private volatile boolean ended;
    private volatile boolean held;
    private volatile long lastProgress = System.nanoTime();

    Follower(
            String messageId,
            int next,
            FrameSink sink,
            HotLogReader hotLog,
            Backlog backlog,
            boolean held,
            Executor executor,
            Consumer<Follower> onEnd) {
        this.messageId = messageId;
        this.next = next;
        this.sink = sink;
        this.hotLog = hotLog;
        this.backlog = backlog;
        this.held = held;
        this.executor = executor;
        this.onEnd = onEnd;
    }

    public String messageId() {
        return messageId;
    }

    public int next() {
        return next;
    }

    public boolean ended() {
        return ended;
    }

    long lastProgressNanos() {
        return lastProgress;
    }

    /**
     * Hands a live message (entries in index order) to this follower; returns at once. A client that does not keep up
     * (too many entries waiting, or a send blocked past the time limit) is closed as too slow, off this thread: it
     * resumes from the log when it comes back.
     */
    void deliver(List<LogFrame> frames) {
        if (ended) {
            return;
        }
        if (pending.get() >= MAX_PENDING || sink.stalled()) {
            if (closingAsSlow.compareAndSet(false, true)) {
                executor.execute(() -> {
                    end();
                    sink.closeAsSlow();
                });
            }
            return;
        }
        pending.addAndGet(frames.size());
        inbox.add(frames);
        startDraining();
    }

    /** Sends backlog frames through the cursor, in order; false once the follower has ended (terminal frame sent). */
    public boolean backlog(List<LogFrame> frames) {
        cursorLock.lock();
        try {
            for (LogFrame frame : frames) {
                if (!offer(frame)) {
                    return false;
                }
            }
            return flush();
        } finally {
            cursorLock.unlock();
        }
    }

    /** Ends the hold: the live frames kept meanwhile go through the cursor, then whatever the backlog holds beyond. */
    public void release() {
        held = false;
        startDraining();
        catchUp();
    }

    /** Reads everything from {@code next} on from the backlog (after subscribing, and when the live feed is quiet). */
    void catchUp() {
        if (ended || held) {
            return;
        }
        cursorLock.lock();
        try {
            for (LogFrame frame : backlog.from(next)) {
                if (!offer(frame)) {
                    break;
                }
            }
            flush();
        } catch (RuntimeException e) {
            log.warn("Could not read the backlog of message {}: {}", messageId, e.toString());
        } finally {
            cursorLock.unlock();
        }
    }

    /** Stops following (the connection went away, or the client follows the message elsewhere). */
    void end() {
        if (!ended) {
            ended = true;
            inbox.clear();
            pending.set(0);
            onEnd.accept(this);
        }
    }

    private void startDraining() {
        if (!held && !inbox.isEmpty() && draining.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    /**
     * Takes every live message waiting, through the cursor, and sends the chunks that passed it together, saying when
     * the oldest of those live messages was emitted.
     */
    private void drain() {
        do {
            cursorLock.lock();
            try {
                List<LogFrame> frames;
                while ((frames = inbox.poll()) != null) {
                    pending.addAndGet(-frames.size());
                    LogFrame first = frames.getFirst();
                    if (first.isChunk()) {
                        liveSince = Math.min(liveSince, first.emittedAtMicrosOrMillis());
                    }
                    for (LogFrame frame : frames) {
                        if (!apply(frame)) {
                            break;
                        }
                    }
                }
                flush();
            } catch (RuntimeException e) {
                log.warn("Could not deliver chunks of message {}: {}", messageId, e.toString());
            } finally {
                cursorLock.unlock();
            }
            draining.set(false);
        } while (!held && !inbox.isEmpty() && draining.compareAndSet(false, true));
    }

    /** One live entry through the cursor; false when the rest of its message is of no use (ended, or a gap). */
    private boolean apply(LogFrame frame) {
        if (ended) {
            return false;
        }
        if (frame.index() < next) {
            return true;
        }
        if (frame.index() > next) {
            List<LogFrame> gap;
            try {
                gap = hotLog.read(messageId, next, frame.index() - 1);
            } catch (RuntimeException e) {
                // the quiet feed's catch-up reads it again
                log.warn(
                        "Could not read chunks {} to {} of message {}: {}",
                        next,
                        frame.index() - 1,
                        messageId,
                        e.toString());
                return false;
            }
            for (LogFrame missing : gap) {
                if (!offer(missing)) {
                    return false;
                }
            }
            if (frame.index() > next) {
                log.debug("Gap before chunk {} of message {} not in the hot log yet", frame.index(), messageId);
                return false;
            }
        }
        return offer(frame);
    }

    /**
     * Takes the frame if it is the next one: a chunk joins the ones to be sent together, the terminal frame goes out
     * after them. False once the follower ended.
     */
    private boolean offer(LogFrame frame) {
        if (ended) {
            return false;
        }
        if (frame.index() != next) {
            return frame.index() < next;
        }
        if (frame.isChunk()) {
            outgoing.add(frame);
            next = frame.index() + 1;
            lastProgress = System.nanoTime();
            return true;
        }
        if (flush()) {
            sink.send(terminal(frame));
            end();
        }
        return false;
    }

    /** Sends the chunks that passed the cursor; false once the follower ended (the connection is gone). */
    private boolean flush() {
        long since = liveSince;
        liveSince = FrameSink.NOT_LIVE;
        if (ended) {
            outgoing.clear();
            return false;
        }
        if (outgoing.isEmpty()) {
            return true;
        }
        boolean sent = sink.sendChunks(messageId, outgoing, since);
        outgoing.clear();
        if (!sent) {
            end();
        }
        return sent;
    }

    private ServerFrame terminal(LogFrame frame) {
        if ("COMPLETE".equals(frame.kind())) {
            return ServerFrame.Complete.of(
                    messageId,
                    frame.totalChunks() == null ? frame.index() : frame.totalChunks(),
                    String.valueOf(frame.finishReason()),
                    frame.tokenCount() == null ? 0 : frame.tokenCount(),
                    String.valueOf(frame.contentSha256()));
        }
        return ServerFrame.Error.of(
                String.valueOf(frame.code()),
                String.valueOf(frame.message()),
                messageId,
                Boolean.TRUE.equals(frame.retryable()));
    }

    /** Where a follower reads what it missed: the hot log, or through recovery-service once the hot log is gone. */
    @FunctionalInterface
    public interface Backlog {
        List<LogFrame> from(int index);
    }
}
