package dev.streamchat.session.capacity;

import dev.streamchat.session.delivery.LiveLateness;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * How late the live path runs on this node: for every batch of live chunks a connection writes to its socket, the time
 * since the oldest of them was emitted (the orchestrator's clock; a clock ahead of this node's reads as no delay), so a
 * backlog in the orchestrators, in Redis, in a send buffer or behind clients that read slowly all count. Judged once a
 * poll interval by users, each by the latest of its sends in the interval: when more than a tenth of the users this
 * node sent live chunks to got them later than {@code max-live-delay}, it refuses new answers until nine in ten get
 * them within {@code resume-live-delay} again, or it sends to fewer than {@value #FEWEST_TO_JUDGE} users (too few to
 * tell the machine from a user's own slow network). So a load the machine cannot carry stops growing at its source,
 * where it would otherwise make every answer under way later and later; and one user, however many connections and
 * answers they hold and however slowly they read, never turns the others away. A send costs a clock read and a map
 * update; the judgement is made by whichever thread first finds the interval over, so no thread of its own is needed.
 * The measure trusts the hosts' clocks to agree (NTP); {@code max-live-delay: 0} turns the refusal off where they
 * cannot.
 */
@Component
public class LivePathDelay implements LiveLateness {

    private static final Logger log = LoggerFactory.getLogger(LivePathDelay.class);

    /** Users an interval must have sent live chunks to before their delays can turn anyone away. */
    static final int FEWEST_TO_JUDGE = 10;

    private final InstantSource clock;
    private final long maxMicros;
    private final long resumeMicros;
    private final long intervalMillis;
    private final AtomicLong intervalEnd;
    /** The latest send of each user in the current interval, in microseconds. */
    private final AtomicReference<Map<String, Long>> latestByUser = new AtomicReference<>(new ConcurrentHashMap<>());

    private volatile long lastWorstMicros;
    private volatile boolean refusing;

    @Autowired
    LivePathDelay(CapacityProperties properties, MeterRegistry meters) {
        this(properties, meters, InstantSource.system());
    }

    LivePathDelay(CapacityProperties properties, MeterRegistry meters, InstantSource clock) {
        this.clock = clock;
        this.maxMicros = properties.maxLiveDelay().toNanos() / 1000;
        this.resumeMicros = properties.resumeLiveDelay().toNanos() / 1000;
        this.intervalMillis = Math.max(1, properties.pollInterval().toMillis());
        this.intervalEnd = new AtomicLong(clock.millis() + intervalMillis);
        Gauge.builder("streamchat.live.delay", this, delay -> delay.worst().toNanos() / 1e9)
                .description("the longest a batch of live chunks took from its emission to a client's socket, over"
                        + " the last interval")
                .baseUnit("seconds")
                .register(meters);
        Gauge.builder("streamchat.capacity.refusing", this, delay -> delay.refusing() ? 1 : 0)
                .description("1 while new answers are refused because this node sends live chunks too late")
                .tag("cause", "live-path")
                .register(meters);
    }

    @Override
    public void sent(String userId, long emittedAtMicros) {
        Instant now = clock.instant();
        judgeWhenDue(now.toEpochMilli());
        long delay = Math.max(0, now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - emittedAtMicros);
        latestByUser.get().merge(userId, delay, Math::max);
    }

    /** True while new answers are refused: live chunks reach their clients too late. */
    public boolean refusing() {
        judgeWhenDue(clock.millis());
        return refusing;
    }

    /** The longest a batch of live chunks took over the last interval judged. */
    public Duration worst() {
        judgeWhenDue(clock.millis());
        return Duration.ofNanos(lastWorstMicros * 1000);
    }

    private void judgeWhenDue(long nowMillis) {
        long end = intervalEnd.get();
        if (nowMillis < end || !intervalEnd.compareAndSet(end, nowMillis + intervalMillis)) {
            return;
        }
        Map<String, Long> latest = latestByUser.getAndSet(new ConcurrentHashMap<>());
        if (nowMillis >= end + intervalMillis) {
            // every send judges a finished interval first, so these came before end, and a whole interval without
            // any followed: nothing is late now
            latest = Map.of();
        }
        int users = latest.size();
        int late = 0;
        int slow = 0;
        long worst = 0;
        for (long delay : latest.values()) {
            late += delay > maxMicros ? 1 : 0;
            slow += delay > resumeMicros ? 1 : 0;
            worst = Math.max(worst, delay);
        }
        lastWorstMicros = worst;
        if (!refusing && maxMicros > 0 && users >= FEWEST_TO_JUDGE && late * 10 > users) {
            refusing = true;
            log.warn(
                    "{} of {} users got live chunks more than {} after they were made (at most {} ms): new answers"
                            + " are refused with CAPACITY until nine in ten get them within {}",
                    late,
                    users,
                    Duration.ofNanos(maxMicros * 1000),
                    worst / 1000,
                    Duration.ofNanos(resumeMicros * 1000));
        } else if (refusing && (users < FEWEST_TO_JUDGE || slow * 10 <= users)) {
            refusing = false;
            log.info(
                    "{} of {} users got live chunks within {}: new answers are taken again",
                    users - slow,
                    users,
                    Duration.ofNanos(resumeMicros * 1000));
        }
    }
}
