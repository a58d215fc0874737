package dev.streamchat.bench.fault;

import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.stack.Target;
import java.util.List;

/** SIGKILL of one service instance mid-stream, as a crash would; it is started again afterwards. */
record KillProcess(String name, String instanceId, boolean interruptsAnswers) implements Fault {

    @Override
    public List<StreamClient> inject(Target target, List<StreamClient> clients) {
        List<StreamClient> connected = clients.stream()
                .filter(client -> client.nodeId().equals(instanceId))
                .toList();
        target.stack().service(instanceId).kill();
        return connected;
    }

    @Override
    public void heal(Target target) {
        target.stack().restartService(instanceId);
    }
}
