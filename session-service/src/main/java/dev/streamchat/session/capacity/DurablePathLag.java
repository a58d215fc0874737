package dev.streamchat.session.capacity;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * How far behind the durable path is: the time since the oldest record that a durable group (persistence-service) has
 * not taken yet was written, over every partition it reads, measured every poll interval from Kafka's offsets (three
 * admin requests, no record read). Past {@code max-durable-lag} this node refuses new answers until the lag is under
 * {@code resume-durable-lag}, so that a load the durable path cannot carry does not build a backlog that slows every
 * answer after it. A lag that cannot be measured (Kafka not answering) refuses nothing: a guess is no reason to turn
 * users away, and requests fail on their own while Kafka is gone. A group that has never committed is not measured.
 */
@Component
@EnableConfigurationProperties(CapacityProperties.class)
public class DurablePathLag implements SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DurablePathLag.class);

    private final Admin admin;
    private final CapacityProperties properties;
    private final LagClock clock;
    private final int timeoutMillis;
    private final Map<String, Double> lagSeconds = new ConcurrentHashMap<>();
    private volatile long lagMillis;
    private volatile boolean refusing;
    private boolean measured = true;
    /** Its own thread: an admin call waiting on a Kafka that does not answer holds up no other scheduled work. */
    private @Nullable ScheduledExecutorService poller;

    DurablePathLag(KafkaAdmin kafkaAdmin, CapacityProperties properties, MeterRegistry meters) {
        this.admin = Admin.create(kafkaAdmin.getConfigurationProperties());
        this.properties = properties;
        // lags well past the bound read as past it: that is all a decision needs
        this.clock = new LagClock(4 * Math.max(properties.maxDurableLag().toMillis(), 1000));
        this.timeoutMillis = (int) Math.max(1000, 2 * properties.pollInterval().toMillis());
        for (String group : properties.durableGroups()) {
            Gauge.builder("streamchat.durable.lag", lagSeconds, lags -> lags.getOrDefault(group, Double.NaN))
                    .description("time since the oldest event the group has not taken was written")
                    .baseUnit("seconds")
                    .tag("group", group)
                    .register(meters);
        }
        Gauge.builder("streamchat.capacity.refusing", this, lag -> lag.refusing ? 1 : 0)
                .description("1 while new answers are refused because the durable path is behind")
                .tag("cause", "durable-path")
                .register(meters);
    }

    /** True while new answers are refused: the durable path is further behind than it may be. */
    public boolean refusing() {
        return refusing;
    }

    /** The durable path's lag when last measured. */
    public Duration lag() {
        return Duration.ofMillis(lagMillis);
    }

    @Override
    public synchronized void start() {
        poller = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("durable-path-lag").daemon().factory());
        long interval = properties.pollInterval().toMillis();
        poller.scheduleWithFixedDelay(this::measure, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }

    @Override
    public void destroy() {
        admin.close(Duration.ofSeconds(1));
    }

    @Override
    public synchronized boolean isRunning() {
        return poller != null;
    }

    void measure() {
        long now = System.currentTimeMillis();
        try {
            var committed = new HashMap<String, Map<TopicPartition, OffsetAndMetadata>>();
            var partitions = new HashSet<TopicPartition>();
            var reading = reading();
            for (String group : properties.durableGroups()) {
                var offsets = committed(group);
                // only what the group reads now: the offsets it once committed for a topic it no longer reads would
                // read as a lag that never ends (with nobody in the group, everything it committed is waiting)
                var assigned = reading.getOrDefault(group, Set.of());
                if (!assigned.isEmpty()) {
                    offsets.keySet().retainAll(assigned);
                }
                committed.put(group, offsets);
                partitions.addAll(offsets.keySet());
            }
            var latest = new HashMap<TopicPartition, OffsetSpec>();
            partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
            if (!latest.isEmpty()) {
                admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(timeoutMillis))
                        .all()
                        .get(timeoutMillis, TimeUnit.MILLISECONDS)
                        .forEach((partition, end) -> clock.end(partition, end.offset(), now));
            }
            clock.retain(partitions);
            long furthest = 0;
            for (var group : committed.entrySet()) {
                long behind = 0;
                for (var offset : group.getValue().entrySet()) {
                    behind = Math.max(
                            behind,
                            clock.lagMillis(offset.getKey(), offset.getValue().offset(), now));
                }
                lagSeconds.put(group.getKey(), behind / 1000.0);
                furthest = Math.max(furthest, behind);
            }
            measured(furthest);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // whatever it was, the next poll runs: a scheduled task that throws is never run again
            notMeasured(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The partitions assigned to the members of each durable group now. */
    private Map<String, Set<TopicPartition>> reading() {
        var reading = new HashMap<String, Set<TopicPartition>>();
        admin.describeConsumerGroups(
                        properties.durableGroups(), new DescribeConsumerGroupsOptions().timeoutMs(timeoutMillis))
                .describedGroups()
                .forEach((group, described) -> {
                    try {
                        var partitions = new HashSet<TopicPartition>();
                        described
                                .get(timeoutMillis, TimeUnit.MILLISECONDS)
                                .members()
                                .forEach(member ->
                                        partitions.addAll(member.assignment().topicPartitions()));
                        reading.put(group, partitions);
                    } catch (ExecutionException | TimeoutException e) {
                        // unknown group, or no answer about it: everything it committed counts
                        reading.put(group, Set.of());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        return reading;
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String group)
            throws ExecutionException, InterruptedException, TimeoutException {
        try {
            var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
            admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMillis))
                    .partitionsToOffsetAndMetadata()
                    .get(timeoutMillis, TimeUnit.MILLISECONDS)
                    .forEach((partition, offset) -> {
                        if (offset != null) {
                            offsets.put(partition, offset);
                        }
                    });
            return offsets;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return new HashMap<>();
            }
            throw e;
        }
    }

    private void measured(long furthest) {
        lagMillis = furthest;
        if (!measured) {
            measured = true;
            log.info("The durable path's lag is measured again: {} ms", furthest);
        }
        if (!refusing && furthest > properties.maxDurableLag().toMillis()) {
            refusing = true;
            log.warn(
                    "The durable path is {} ms behind (more than {}): new answers are refused with CAPACITY until it"
                            + " is under {}",
                    furthest,
                    properties.maxDurableLag(),
                    properties.resumeDurableLag());
        } else if (refusing && furthest <= properties.resumeDurableLag().toMillis()) {
            refusing = false;
            log.info("The durable path is {} ms behind: new answers are taken again", furthest);
        }
    }

    private void notMeasured(Exception e) {
        lagSeconds.clear();
        lagMillis = 0;
        refusing = false;
        if (measured) {
            measured = false;
            log.warn("The durable path's lag cannot be measured; nothing is refused for it: {}", e.toString());
        }
    }
}
