package dev.streamchat.session.connection;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * A connection lives no longer than the token it was opened with: within a second of the token's expiry it is closed
 * with {@link #TOKEN_EXPIRED}, and the client gets a new token, reconnects and resumes (its answers are not touched).
 */
@Component
class ExpiredTokens {

    static final CloseStatus TOKEN_EXPIRED =
            new CloseStatus(4401, "TOKEN_EXPIRED: get a new token, reconnect and resume");

    private final Connections connections;

    ExpiredTokens(Connections connections) {
        this.connections = connections;
    }

    @Scheduled(fixedDelay = 1, timeUnit = TimeUnit.SECONDS)
    void closeExpired() {
        Instant now = Instant.now();
        for (ChatConnection connection : connections.all()) {
            Instant expiresAt = connection.tokenExpiresAt();
            if (expiresAt != null && !expiresAt.isAfter(now)) {
                connection.close(TOKEN_EXPIRED);
            }
        }
    }
}
