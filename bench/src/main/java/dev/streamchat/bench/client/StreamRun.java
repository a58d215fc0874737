package dev.streamchat.bench.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Many {@link StreamClient}s at once, one virtual thread each, started together. */
public final class StreamRun implements AutoCloseable {

    private final List<StreamClient> clients;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Future<?>> running = new ArrayList<>();

    private StreamRun(List<StreamClient> clients) {
        this.clients = clients;
    }

    public static StreamRun start(Endpoint endpoint, List<StreamClient.Plan> plans, Measurements measurements) {
        var run = new StreamRun(plans.stream()
                .map(plan -> new StreamClient(endpoint, plan, measurements))
                .toList());
        run.clients.forEach(client -> run.running.add(run.threads.submit(client::run)));
        return run;
    }

    /** Runs them all and waits for every one to end. */
    public static List<StreamClient> run(
            Endpoint endpoint, List<StreamClient.Plan> plans, Measurements measurements, Duration timeout) {
        try (var run = start(endpoint, plans, measurements)) {
            run.await(timeout);
            return run.clients();
        }
    }

    public List<StreamClient> clients() {
        return clients;
    }

    public void await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<?> future : running) {
            try {
                future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("streams still running after " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
