package dev.streamchat.orchestrator.generation;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * An instance that shuts down (a rolling restart, a scale-down) finishes the answers it runs before it exits, so that
 * none of them ends INTERRUPTED. Its phase is below the one of Spring Cloud Stream's input bindings, so
 * {@code chat.requests} has stopped (its partitions go to the other instances) before the drain starts; Redis and the
 * Kafka producer stop after it. The scheduler has stopped with the context by then, so the drain renews the leases
 * itself (and with them picks up the cancels asked for meanwhile). After {@code drain-timeout} it lets the instance go:
 * what still runs is ended by another instance's sweeper.
 */
@Component
class DrainOnShutdown implements SmartLifecycle {

    /** Below Spring Cloud Stream's input bindings ({@code Integer.MAX_VALUE - 3000}): they stop first. */
    static final int PHASE = Integer.MAX_VALUE - 4000;

    private static final Logger log = LoggerFactory.getLogger(DrainOnShutdown.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final GenerationService generations;
    private final GenerationProperties properties;
    private volatile boolean running;

    DrainOnShutdown(GenerationService generations, GenerationProperties properties) {
        this.generations = generations;
        this.properties = properties;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        try {
            drain();
        } finally {
            running = false;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private void drain() {
        int atStart = generations.underWay();
        if (atStart == 0) {
            return;
        }
        log.info(
                "Shutting down: {} answers under way here, finishing them (at most {})",
                atStart,
                properties.drainTimeout());
        long started = System.nanoTime();
        long deadline = started + properties.drainTimeout().toNanos();
        long renewed = started;
        try {
            while (generations.underWay() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(POLL);
                if (System.nanoTime() - renewed >= properties.leaseRenewal().toNanos()) {
                    generations.renewLeases();
                    renewed = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = generations.underWay();
        if (left == 0) {
            log.info("Shutting down: every answer ended, after {} ms", (System.nanoTime() - started) / 1_000_000);
        } else {
            log.warn("Shutting down with {} answers still running: another instance's sweeper ends them", left);
        }
    }
}
