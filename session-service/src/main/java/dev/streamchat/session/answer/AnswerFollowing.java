package dev.streamchat.session.answer;

import dev.streamchat.session.delivery.Follower;
import dev.streamchat.session.delivery.FrameSink;
import dev.streamchat.session.delivery.HotLogReader;
import dev.streamchat.session.delivery.LiveFeeds;
import dev.streamchat.session.delivery.LogFrame;
import dev.streamchat.session.delivery.RecoveryClient;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Follow an answer: one {@link Follower} per client and message, its frames into the client, its backlog (when it
 * falls behind) from the hot log while the hot log has the answer and from recovery-service after that.
 */
@Component
public class AnswerFollowing {

    private final LiveFeeds feeds;
    private final HotLogReader hotLog;
    private final RecoveryClient recovery;
    private final Counter chunksSent;

    AnswerFollowing(LiveFeeds feeds, HotLogReader hotLog, RecoveryClient recovery, MeterRegistry meters) {
        this.feeds = feeds;
        this.hotLog = hotLog;
        this.recovery = recovery;
        this.chunksSent = meters.counter("streamchat.chunks.sent");
    }

    /**
     * Follows an answer from index {@code next}, in place of any follower of it the client had. A held follower keeps
     * what is published and sends nothing until {@link Follower#release()}.
     */
    Follower follow(Client client, String messageId, int next, boolean held) {
        return follow(client, messageId, next, held, backlog(client, messageId));
    }

    Follower follow(Client client, String messageId, int next, boolean held, Follower.Backlog heldBacklog) {
        stop(client, messageId);
        var sink = new FrameSink() {
            @Override
            public boolean send(ServerFrame frame) {
                boolean sent = client.send(frame);
                if (sent && frame instanceof ServerFrame.Chunk) {
                    chunksSent.increment();
                }
                if (frame instanceof ServerFrame.Complete || frame instanceof ServerFrame.Error) {
                    client.following().remove(messageId);
                }
                return sent;
            }

            @Override
            public boolean sendChunks(String messageId, List<LogFrame> chunks, long liveSinceMicros) {
                boolean sent = client.sendChunks(messageId, chunks, liveSinceMicros);
                if (sent) {
                    chunksSent.increment(chunks.size());
                }
                return sent;
            }

            @Override
            public boolean stalled() {
                return client.stalled();
            }

            @Override
            public void closeAsSlow() {
                client.closeAsSlow();
            }
        };
        var follower = held ? feeds.hold(messageId, next, sink, heldBacklog) : feeds.follow(messageId, next, sink);
        client.following().put(messageId, follower);
        return follower;
    }

    /** Stops following one answer. */
    void stop(Client client, String messageId) {
        var follower = client.following().remove(messageId);
        if (follower != null) {
            feeds.unfollow(follower);
        }
    }

    /** Stops following every answer: the client has gone. */
    public void stopAll(Client client) {
        client.following().values().forEach(feeds::unfollow);
        client.following().clear();
    }

    /** One page of the answer after {@code lastChunkIndex} from recovery-service, given up if the client goes. */
    RecoveryClient.Recovery recover(Client client, String messageId, int lastChunkIndex) {
        return client.whileConnected(
                () -> recovery.recover(client.bearerToken(), client.sessionId(), messageId, lastChunkIndex));
    }

    /** The backlog of a resumed answer: the hot log while it has the answer, recovery-service after that. */
    private Follower.Backlog backlog(Client client, String messageId) {
        return from -> {
            var frames = hotLog.read(messageId, from, -1);
            boolean fromItsStart = frames.isEmpty() || frames.getFirst().index() == from;
            if (fromItsStart && (!frames.isEmpty() || hotLog.meta(messageId).isPresent())) {
                return frames;
            }
            // gone, or it lost its start (Redis restarted mid-answer): recovery-service asks the database
            return recover(client, messageId, from - 1).frames();
        };
    }
}
