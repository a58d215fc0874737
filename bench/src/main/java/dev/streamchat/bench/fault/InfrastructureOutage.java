package dev.streamchat.bench.fault;

import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.process.ManagedProcess;
import java.time.Duration;
import java.util.List;

/**
 * PostgreSQL, Redis or Kafka taken from every service for a few seconds while answers stream: stopped and started again
 * on the same port (Redis comes back empty, as it keeps nothing on disk), or frozen with SIGSTOP (connections stay open and
 * nothing answers on them, as when the network to it stops carrying packets, without a proxy in the way).
 */
record InfrastructureOutage(String server, boolean restart, Duration down) implements Fault {

    @Override
    public String name() {
        return server + (restart ? " restart " : " frozen ") + down.toSeconds() + " s";
    }

    @Override
    public List<StreamClient> inject(Target target, List<StreamClient> clients) {
        LocalStack stack = target.stack();
        if (restart) {
            stack.restartInfrastructure(server, down);
        } else {
            ManagedProcess process = "redis".equals(server)
                    ? stack.redis().process()
                    : stack.kafka().process();
            process.freeze(down);
        }
        // every answer under way needs both servers: all of them count as affected and must end exact
        return clients;
    }
}
