package dev.streamchat.session.delivery;

import dev.streamchat.session.protocol.ServerFrame;
import java.util.List;

/** Where a follower's frames go: one client connection. */
public interface FrameSink {

    /** What {@link #sendChunks} gets for chunks that did not come live (a catch-up, a resume, a gap read). */
    long NOT_LIVE = Long.MAX_VALUE;

    /** Sends one frame; false when the connection is gone or was closed for being too slow. */
    boolean send(ServerFrame frame);

    /**
     * Sends consecutive chunks of one message, in order (protocol v2: in as few frames as the frame size allows; v1: a
     * frame each). The list is the caller's: it may change once this returns. False when the connection is gone or
     * was closed for being too slow.
     *
     * @param liveSinceMicros when the oldest of the live messages these chunks came in was emitted (epoch
     *     microseconds), or {@link #NOT_LIVE}: how late the live path runs is measured from it
     */
    boolean sendChunks(String messageId, List<LogFrame> chunks, long liveSinceMicros);

    /** True when a send to this client has been blocked for longer than the send time limit. */
    boolean stalled();

    /** Closes the connection as too slow to keep up (close code 4500). */
    void closeAsSlow();
}
