package dev.streamchat.session.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * This node's subscriptions to the live channels {@code chat:live:{messageId}}: one per message followed by at least
 * one connection here, on one Lettuce connection however many messages there are. Pub/sub may lose a message (a
 * reconnect to Redis, a subscription that lands after the first chunks), so the hot log stays the truth: a new
 * follower first catches up from it, and a feed that has been quiet for a while catches up again.
 */
@Component
public class LiveFeeds implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LiveFeeds.class);
    private static final Duration QUIET = Duration.ofSeconds(2);

    private final RedisMessageListenerContainer container;
    private final HotLogReader hotLog;
    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    LiveFeeds(RedisMessageListenerContainer liveChannelContainer, HotLogReader hotLog, MeterRegistry meters) {
        this.container = liveChannelContainer;
        this.hotLog = hotLog;
        meters.gauge("streamchat.live.feeds", feeds, Map::size);
    }

    /**
     * Follows a message from index {@code next} on: subscribes first, then sends what the hot log already holds, then
     * whatever arrives live, each chunk once and in order, then the terminal frame.
     */
    public Follower follow(String messageId, int next, FrameSink sink) {
        var follower = subscribe(messageId, next, sink, from -> hotLog.read(messageId, from, -1), false);
        follower.catchUp();
        return follower;
    }

    /**
     * Subscribes a held follower for a RECONNECT: it keeps live frames but sends nothing until the caller has passed
     * the backlog through it and {@linkplain Follower#release released} it; afterwards it catches up from
     * {@code backlog} whenever the feed is quiet.
     */
    public Follower hold(String messageId, int next, FrameSink sink, Follower.Backlog backlog) {
        return subscribe(messageId, next, sink, backlog, true);
    }

    private Follower subscribe(String messageId, int next, FrameSink sink, Follower.Backlog backlog, boolean held) {
        var follower = new Follower(messageId, next, sink, hotLog, backlog, held, executor, this::unfollow);
        feeds.compute(messageId, (id, feed) -> {
            Feed current = feed == null ? newFeed(id) : feed;
            current.followers.add(follower);
            return current;
        });
        return follower;
    }

    /** Stops a follower; the last one of a message unsubscribes the node from its channel. */
    public void unfollow(Follower follower) {
        feeds.computeIfPresent(follower.messageId(), (id, feed) -> {
            feed.followers.remove(follower);
            if (feed.followers.isEmpty()) {
                container.removeMessageListener(feed, feed.topic);
                return null;
            }
            return feed;
        });
        follower.end();
    }

    /** Catches up the followers of feeds that have been quiet: a lost live message never stalls a client. */
    @Scheduled(fixedDelay = 1000)
    void catchUpQuietFeeds() {
        long quietSince = System.nanoTime() - QUIET.toNanos();
        feeds.values()
                .forEach(feed -> feed.followers.forEach(follower -> {
                    if (!follower.ended() && follower.lastProgressNanos() < quietSince) {
                        executor.execute(follower::catchUp);
                    }
                }));
    }

    private Feed newFeed(String messageId) {
        var feed = new Feed(ChannelTopic.of("chat:live:" + messageId));
        container.addMessageListener(feed, feed.topic);
        return feed;
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }

    private final class Feed implements MessageListener {

        private final ChannelTopic topic;
        private final Set<Follower> followers = new CopyOnWriteArraySet<>();

        Feed(ChannelTopic topic) {
            this.topic = topic;
        }

        /** A live message: the entries of one hot-log append, parsed once for every follower on this node. */
        @Override
        public void onMessage(Message message, byte[] pattern) {
            List<LogFrame> frames;
            try {
                frames = hotLog.parseLive(message.getBody());
            } catch (RuntimeException e) {
                log.warn("Unreadable message on {}: {}", topic.getTopic(), e.toString());
                return;
            }
            if (!frames.isEmpty()) {
                followers.forEach(follower -> follower.deliver(frames));
            }
        }
    }
}
