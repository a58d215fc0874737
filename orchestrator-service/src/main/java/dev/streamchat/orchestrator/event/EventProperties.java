package dev.streamchat.orchestrator.event;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.events.*}: where the stream events go, and how chunks are gathered into events.
 *
 * @param streamTopic the topic of the answers' lifecycle events (persistence-service and analytics-service consume
 *     it)
 * @param chunkTopic the topic of the answers' chunks, a batch per event (persistence-service alone consumes it)
 * @param chunkLinger how long a chunk may wait for others of its answer before its event is sent (the durable path is
 *     off the clients' path: a longer wait makes fewer, larger events)
 * @param maxChunksPerEvent the most chunks one event carries
 * @param maxCharsPerEvent the most characters of content one event carries (a chunk larger than this goes alone),
 *     well under the broker's 1 MB record limit whatever the text
 */
@ConfigurationProperties("streamchat.events")
record EventProperties(
        @DefaultValue("chat.stream.events") String streamTopic,
        @DefaultValue("chat.stream.chunks") String chunkTopic,
        @DefaultValue("100ms") Duration chunkLinger,
        @DefaultValue("256") int maxChunksPerEvent,
        @DefaultValue("65536") int maxCharsPerEvent) {}
