package dev.streamchat.analytics.stats;

import dev.streamchat.analytics.stats.StatsViews.Hour;
import dev.streamchat.analytics.stats.StatsViews.Summary;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/analytics}, through the gateway. A user sees the figures of their own answers; a token with the role
 * {@code admin} sees everyone's.
 */
@RestController
class StatsController {

    private static final Duration MAX_RANGE = Duration.ofDays(31);

    private final StatsRepository repository;

    StatsController(StatsRepository repository) {
        this.repository = repository;
    }

    @Operation(summary = "Figures of ended answers in [from, to), per model and per user (default: the last 24 h)")
    @GetMapping("/api/analytics/summary")
    Summary summary(
            @AuthenticationPrincipal Jwt caller,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to) {
        Range range = range(from, to);
        String only = admin(caller) ? null : caller.getSubject();
        return new Summary(
                range.from(),
                range.to(),
                only == null ? "all" : "user",
                repository.groups("model", range.from(), range.to(), only),
                repository.groups("user_id", range.from(), range.to(), only));
    }

    @Operation(summary = "Hourly figures: per model for an admin, the caller's own otherwise")
    @GetMapping("/api/analytics/timeseries")
    List<Hour> timeseries(
            @AuthenticationPrincipal Jwt caller,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to) {
        Range range = range(from, to);
        return admin(caller)
                ? repository.hours("model", range.from(), range.to(), null)
                : repository.hours("user", range.from(), range.to(), caller.getSubject());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Bad request");
        return problem;
    }

    private static boolean admin(Jwt caller) {
        List<String> roles = caller.getClaimAsStringList("roles");
        return roles != null && roles.contains("admin");
    }

    private static Instant instant(@Nullable String value, String name, Instant otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant, e.g. 2026-01-31T12:00:00Z");
        }
    }

    /** {@code [from, to)} from the parameters: default the 24 h up to now, at most 31 days. */
    private static Range range(@Nullable String from, @Nullable String to) {
        Instant end = instant(to, "to", Instant.now());
        Instant start = instant(from, "from", end.minus(Duration.ofDays(1)));
        if (!start.isBefore(end) || Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
            throw new IllegalArgumentException("from must be before to, at most 31 days apart");
        }
        return new Range(start, end);
    }

    private record Range(Instant from, Instant to) {}
}
