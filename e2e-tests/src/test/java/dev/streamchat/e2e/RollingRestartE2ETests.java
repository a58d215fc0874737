package dev.streamchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rolling restart under load, as an operator deploys a new version: every session node stopped (SIGTERM) and
 * started again, one after the other, then every orchestrator instance. Meanwhile clients ask for answer after
 * answer: each must arrive whole, each chunk once, and none may fail (a session node's clients resume on the other
 * one; an orchestrator finishes its answers before it goes).
 */
@ExtendWith(SharedStack.class)
@Order(22)
class RollingRestartE2ETests {

    private static final int CLIENTS = 12;
    // 3 s per answer: several answers run on each instance whenever one stops
    private static final int CHUNKS = 150;
    private static final int INTERVAL_MS = 20;

    private final LocalStack stack;
    private final Edge edge;

    RollingRestartE2ETests(LocalStack stack) {
        this.stack = stack;
        this.edge = new Edge(stack);
    }

    @Test
    void restartingEverySessionNodeThenEveryOrchestratorUnderLoadLosesRepeatsAndFailsNothing() throws Exception {
        var done = new AtomicBoolean();
        var answers = new CopyOnWriteArrayList<ResumingClient>();
        var restarts = new ArrayList<String>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var loads = new ArrayList<Future<?>>();
            for (int i = 0; i < CLIENTS; i++) {
                String token = edge.token(
                        "rolling-" + i + "-" + UUID.randomUUID().toString().substring(0, 6));
                loads.add(executor.submit(() -> {
                    while (!done.get()) {
                        answers.add(new ResumingClient(edge, token, index -> false, 0)
                                .ask(Map.of("chunks", CHUNKS, "chunkIntervalMs", INTERVAL_MS))
                                .followToTheEnd(Duration.ofMinutes(3)));
                    }
                    return null;
                }));
            }
            try {
                await().atMost(Duration.ofMinutes(2)).until(() -> answers.size() >= CLIENTS);
                for (String instance : instances("session-service")) {
                    restarts.add(restart(instance, Duration.ofSeconds(30)));
                }
                for (String instance : instances("orchestrator-service")) {
                    restarts.add(restart(instance, Duration.ofSeconds(75)));
                }
            } finally {
                done.set(true);
                for (var load : loads) {
                    load.get(5, TimeUnit.MINUTES);
                }
            }
        }

        var violations = new ArrayList<String>();
        answers.forEach(answer ->
                answer.violations(CHUNKS).forEach(violation -> violations.add(answer.messageId() + ": " + violation)));
        var latencies = new ArrayList<Long>();
        answers.forEach(answer -> latencies.addAll(answer.resumeNanos()));
        System.out.printf(
                "Rolling restart: %s; %d answers, %d resumed (%d on another node), %d requests sent again;"
                        + " missing %d, duplicates %d, violations %d; resume latency %s%n",
                restarts,
                answers.size(),
                answers.stream()
                        .filter(answer -> !answer.resumeNanos().isEmpty())
                        .count(),
                answers.stream().mapToInt(ResumingClient::otherNode).sum(),
                answers.stream().mapToInt(ResumingClient::askedAgain).sum(),
                answers.stream().mapToInt(ResumingClient::missing).sum(),
                answers.stream().mapToInt(ResumingClient::duplicates).sum(),
                violations.size(),
                ResumeE2ETests.percentiles(latencies));
        assertThat(violations).isEmpty();
        // the restarts came under load: session nodes' clients had to resume
        assertThat(answers.stream().mapToInt(ResumingClient::otherNode).sum()).isPositive();
        System.out.printf(
                "Rolling restart: persistence held every answer whole %.1f s after the last one ended%n",
                ResumeE2ETests.awaitStored(answers));
    }

    private List<String> instances(String module) {
        return stack.settings().services().stream()
                .filter(instance -> instance.module().equals(module))
                .map(ServiceInstance::instanceId)
                .toList();
    }

    /** Stops an instance as an operator would (SIGTERM, then SIGKILL after the grace) and starts it again. */
    private String restart(String instanceId, Duration grace) {
        long started = System.nanoTime();
        try {
            stack.service(instanceId).stop(grace);
        } finally {
            stack.restartService(instanceId);
        }
        return String.format("%s back in %.0f s", instanceId, (System.nanoTime() - started) / 1e9);
    }
}
