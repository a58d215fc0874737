package dev.streamchat.deploy;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/** Durations as compose and Spring write them: {@code 20s}, {@code 1m30s}, {@code 500ms}, {@code 2h}. */
final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|us|h|m|s)");

    private Durations() {}

    static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        var matcher = PART.matcher(value);
        Duration total = Duration.ZERO;
        int end = 0;
        while (matcher.find()) {
            if (matcher.start() != end) {
                break;
            }
            long amount = Long.parseLong(matcher.group(1));
            total = total.plus(
                    switch (matcher.group(2)) {
                        case "h" -> Duration.ofHours(amount);
                        case "m" -> Duration.ofMinutes(amount);
                        case "s" -> Duration.ofSeconds(amount);
                        case "ms" -> Duration.ofMillis(amount);
                        default -> Duration.ofNanos(amount * 1000);
                    });
            end = matcher.end();
        }
        if (end == 0 || end != value.length()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        return total;
    }
}
