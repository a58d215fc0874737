package dev.streamchat.bench.fault;

import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.launcher.ServiceInstance;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * SIGKILL of one service instance mid-stream, as a crash would; it is started again afterwards. Of a module with
 * clients on it (session-service), the instance holding the most streams is the one killed.
 */
final class KillProcess implements Fault {

    private final String name;
    private final String module;
    private final boolean interruptsAnswers;
    private final AtomicReference<String> killed = new AtomicReference<>();

    KillProcess(String name, String module, boolean interruptsAnswers) {
        this.name = name;
        this.module = module;
        this.interruptsAnswers = interruptsAnswers;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean interruptsAnswers() {
        return interruptsAnswers;
    }

    @Override
    public List<StreamClient> inject(Target target, List<StreamClient> clients) {
        List<String> instances = target.instancesOf(module).stream()
                .map(ServiceInstance::instanceId)
                .toList();
        Map<String, Long> streamsOn =
                clients.stream().collect(Collectors.groupingBy(StreamClient::nodeId, Collectors.counting()));
        String victim = instances.stream()
                .max(Comparator.comparing(id -> streamsOn.getOrDefault(id, 0L)))
                .orElseThrow();
        killed.set(victim);
        List<StreamClient> connected = clients.stream()
                .filter(client -> client.nodeId().equals(victim))
                .toList();
        target.stack().service(victim).kill();
        return connected;
    }

    @Override
    public void heal(Target target) {
        String victim = killed.getAndSet(null);
        if (victim != null) {
            target.stack().restartService(victim);
            if (module.equals("session-service")) {
                // the next fault's streams spread over both nodes again
                target.awaitGatewayRoutesTo(victim);
            }
        }
    }
}
