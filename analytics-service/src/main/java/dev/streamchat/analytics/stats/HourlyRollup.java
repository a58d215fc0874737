package dev.streamchat.analytics.stats;

import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps {@code stream_stats_hourly} current: every run recomputes the last two hours from {@code message_analytics}
 * (an upsert, so any instance may run it, any number of times).
 */
@Component
class HourlyRollup {

    private static final Logger log = LoggerFactory.getLogger(HourlyRollup.class);

    private final StatsRepository repository;

    HourlyRollup(StatsRepository repository) {
        this.repository = repository;
    }

    @Scheduled(
            initialDelayString = "${streamchat.analytics.rollup-interval:10s}",
            fixedDelayString = "${streamchat.analytics.rollup-interval:10s}")
    void rollUpRecentHours() {
        try {
            repository.rollUp(Instant.now().minus(Duration.ofHours(2)));
        } catch (RuntimeException e) {
            log.warn("Hourly rollup failed: {}", e.toString());
        }
    }

    /** Recomputes every hour from {@code since} on (also for tests and operators). */
    int rollUp(Instant since) {
        return repository.rollUp(since);
    }
}
