package dev.streamchat.session.delivery;

import dev.streamchat.session.protocol.ServerFrame;

/** Where a follower's frames go: one client connection. */
public interface FrameSink {

    /** Sends one frame; false when the connection is gone or was closed for being too slow. */
    boolean send(ServerFrame frame);

    /** True when a send to this client has been blocked for longer than the send time limit. */
    boolean stalled();

    /** Closes the connection as too slow to keep up (close code 4500). */
    void closeAsSlow();
}
