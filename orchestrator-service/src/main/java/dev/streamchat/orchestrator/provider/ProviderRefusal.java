package dev.streamchat.orchestrator.provider;

import com.anthropic.errors.AnthropicServiceException;
import com.openai.errors.OpenAIServiceException;
import java.util.Optional;
import java.util.Set;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * A provider's answer that the request itself was wrong: HTTP 400, 404 (no such model), 413 or 422. Such a failure is
 * the request's, not the provider's: it ends the answer as {@code VALIDATION} and never counts against the provider's
 * circuit breaker, so no user can open a breaker that every user shares by sending bad requests. A refused key (401,
 * 403), a rate limit (429), a timeout (408) and every 5xx are the provider's trouble and do count.
 */
public final class ProviderRefusal {

    private static final Set<Integer> THE_REQUESTS_FAULT = Set.of(400, 404, 413, 422);

    private ProviderRefusal() {}

    /** The HTTP status with which the provider refused the request, when the request was at fault. */
    public static Optional<Integer> of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            Integer status = status(cause);
            if (status != null) {
                return THE_REQUESTS_FAULT.contains(status) ? Optional.of(status) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Integer status(Throwable cause) {
        return switch (cause) {
            case OpenAIServiceException openAi -> openAi.statusCode();
            case AnthropicServiceException anthropic -> anthropic.statusCode();
            case WebClientResponseException web -> web.getStatusCode().value();
            case RestClientResponseException rest -> rest.getStatusCode().value();
            default -> null;
        };
    }
}
