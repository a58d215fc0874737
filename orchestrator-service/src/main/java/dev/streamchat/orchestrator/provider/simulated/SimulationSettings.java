package dev.streamchat.orchestrator.provider.simulated;

import dev.streamchat.orchestrator.provider.ProviderProperties;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How the simulated model answers one request, from the request's {@code options} over the configured defaults:
 * {@code chunks}, {@code chunkIntervalMs}, {@code failAtChunk}, {@code stallAtChunk}, {@code seed}. A missing seed is
 * derived from the prompt, so the same prompt always gets the same answer.
 */
public record SimulationSettings(int chunks, Duration chunkInterval, int failAtChunk, int stallAtChunk, long seed) {

    public static final int MAX_CHUNKS = 100_000;
    public static final int NEVER = -1;

    public SimulationSettings {
        if (chunks < 1 || chunks > MAX_CHUNKS) {
            throw new IllegalArgumentException("options.chunks must be between 1 and " + MAX_CHUNKS);
        }
        if (chunkInterval.isNegative() || chunkInterval.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("options.chunkIntervalMs must be between 0 and 60000");
        }
    }

    public static SimulationSettings of(
            Map<String, Object> options, ProviderProperties.Simulated defaults, String prompt) {
        return new SimulationSettings(
                intOption(options, "chunks", defaults.chunks()),
                Duration.ofMillis(intOption(options, "chunkIntervalMs", (int)
                        defaults.chunkInterval().toMillis())),
                intOption(options, "failAtChunk", NEVER),
                intOption(options, "stallAtChunk", NEVER),
                longOption(options.get("seed"), prompt.hashCode()));
    }

    private static int intOption(Map<String, Object> options, String name, int fallback) {
        Object value = options.get(name);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
            return number.intValue();
        }
        throw new IllegalArgumentException("options." + name + " must be a whole number");
    }

    private static long longOption(@Nullable Object value, long fallback) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number number) {
            return number.longValue();
        }
        throw new IllegalArgumentException("options.seed must be a number");
    }
}
