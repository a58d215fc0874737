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
 * SIGKILL of one service instance mid-stream, as a crash would; it is started again afterwards. The instance killed is
 * the one holding the most streams under way: the session node with the most connections, the orchestrator
 * generating the most answers.
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
        Map<StreamClient, String> holders = clients.stream()
                .filter(client -> client.terminal() == null)
                .collect(Collectors.toMap(client -> client, client -> holder(target, client)));
        Map<String, Long> streamsOn =
                holders.values().stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        String victim = instances.stream()
                .max(Comparator.comparing(id -> streamsOn.getOrDefault(id, 0L)))
                .orElseThrow();
        killed.set(victim);
        List<StreamClient> touched = holders.entrySet().stream()
                .filter(entry -> entry.getValue().equals(victim))
                .map(Map.Entry::getKey)
                .toList();
        target.stack().service(victim).kill();
        return touched;
    }

    /** The instance a stream goes through: the session node it is connected to, or the orchestrator generating it. */
    private String holder(Target target, StreamClient client) {
        if (module.equals("session-service")) {
            return client.nodeId();
        }
        return target.generatorOf(client.messageId());
    }

    @Override
    public void heal(Target target) {
        String victim = killed.getAndSet(null);
        if (victim != null) {
            target.stack().restartService(victim);
            // the next fault's streams spread over both instances again
            target.awaitTakingWork(victim);
        }
    }
}
