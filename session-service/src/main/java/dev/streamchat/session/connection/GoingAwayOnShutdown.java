package dev.streamchat.session.connection;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * On shutdown, before the web server stops, every connection is closed with GOING_AWAY (1001) so that clients
 * reconnect at once, through the gateway, to another node, and resume there.
 */
@Component
class GoingAwayOnShutdown implements SmartLifecycle {

    private final Connections connections;
    private volatile boolean running;

    GoingAwayOnShutdown(Connections connections) {
        this.connections = connections;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        connections
                .all()
                .forEach(connection -> connection.close(CloseStatus.GOING_AWAY.withReason("node shutting down")));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // stopped before the web server's graceful shutdown (a lower phase)
        return SmartLifecycle.DEFAULT_PHASE;
    }
}
