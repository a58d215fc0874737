package dev.streamchat.session.capacity;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.capacity.*}: when new answers are refused so that what is under way can catch up.
 *
 * @param durableGroups the Kafka consumer groups that make answers durable; how far behind the furthest one is, in
 *     time, is the durable path's lag
 * @param maxDurableLag past this lag a CHAT_REQUEST is refused with {@code CAPACITY} (retryable) before anything is
 *     written for it; answers under way go on
 * @param resumeDurableLag once refusing, requests are taken again when the lag is back under this
 * @param pollInterval how often this node measures the durable path's lag and judges the live path's delay
 * @param maxLiveDelay when more than a tenth of the users this node wrote live chunks to over a poll interval got them
 *     later than this after they were made, a CHAT_REQUEST is refused with {@code CAPACITY} the same way; 0 never
 *     refuses for it
 * @param resumeLiveDelay once refusing for it, requests are taken again when nine in ten users get them within this
 */
@ConfigurationProperties("streamchat.capacity")
public record CapacityProperties(
        @DefaultValue("persistence-service") List<String> durableGroups,
        @DefaultValue("5s") Duration maxDurableLag,
        @DefaultValue("2s") Duration resumeDurableLag,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("2s") Duration maxLiveDelay,
        @DefaultValue("500ms") Duration resumeLiveDelay) {}
