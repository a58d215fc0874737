package dev.streamchat.bench.stack;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

/** Dev tokens for benchmark users, one user per stream (the orchestrator limits streams per user). */
public final class Tokens {

    private Tokens() {}

    /** {@code count} tokens of distinct new users named after {@code prefix}, fetched in parallel. */
    public static List<String> ofNewUsers(Target target, String prefix, int count) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = IntStream.range(0, count)
                    .mapToObj(i -> threads.submit(() -> target.devToken(prefix + "-" + run + "-" + i)))
                    .toList();
            return futures.stream()
                    .map(future -> {
                        try {
                            return future.get();
                        } catch (Exception e) {
                            throw new IllegalStateException("could not get a dev token", e);
                        }
                    })
                    .toList();
        }
    }
}
