package dev.streamchat.bench.fault;

import dev.streamchat.bench.client.Pause;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.launcher.InfrastructurePorts;
import dev.streamchat.launcher.process.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

/**
 * The network between one service instance and Redis or Kafka stops carrying packets for a while, as the other
 * instances still reach the server: before the streams start, the instance is started again with its link to that
 * server through a TCP proxy in this JVM (netcrusher); the fault freezes the proxy (connections stay open, nothing
 * passes either way, new connections wait) and thaws it; afterwards the instance is started again on its own link.
 * Kafka's clients behind the proxy stay behind it: they bootstrap through it to the broker's listener that advertises
 * the proxy's port ({@link InfrastructurePorts#kafkaProxied()}).
 */
final class LinkFrozen implements Fault {

    private final String instanceId;
    private final String server;
    private final Duration down;
    private final boolean interruptsAnswers;
    private @Nullable NioReactor reactor;
    private @Nullable TcpCrusher proxy;

    /** {@code server}: {@code redis} or {@code kafka}. */
    LinkFrozen(String instanceId, String server, Duration down, boolean interruptsAnswers) {
        this.instanceId = instanceId;
        this.server = server;
        this.down = down;
        this.interruptsAnswers = interruptsAnswers;
    }

    @Override
    public String name() {
        return instanceId.replace("-service", "") + " to " + server + " frozen " + down.toSeconds() + " s";
    }

    @Override
    public boolean interruptsAnswers() {
        return interruptsAnswers;
    }

    @Override
    public void prepare(Target target) {
        InfrastructurePorts ports = target.settings().ports();
        boolean kafka = server.equals("kafka");
        int listen = kafka ? ports.kafkaProxy() : Ports.findFree();
        try {
            reactor = new NioReactor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        proxy = TcpCrusherBuilder.builder()
                .withReactor(reactor)
                .withBindAddress("localhost", listen)
                .withConnectAddress("localhost", kafka ? ports.kafkaProxied() : ports.redis())
                .buildAndOpen();
        Map<String, String> link =
                kafka ? Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost:" + listen) : Map.of("REDIS_PORT", "" + listen);
        stop(target);
        start(target, link);
    }

    @Override
    public List<StreamClient> inject(Target target, List<StreamClient> clients) {
        // the streams under way through the instance: its connections, or the answers it generates
        List<StreamClient> touched = clients.stream()
                .filter(client -> client.terminal() == null)
                .filter(client ->
                        instanceId.equals(client.nodeId()) || instanceId.equals(target.generatorOf(client.messageId())))
                .toList();
        TcpCrusher frozen = require(proxy);
        frozen.freeze();
        Pause.sleep(down.toMillis());
        frozen.unfreeze();
        return touched;
    }

    @Override
    public void heal(Target target) {
        if (proxy == null) {
            return;
        }
        stop(target);
        require(proxy).close();
        require(reactor).close();
        proxy = null;
        reactor = null;
        start(target, Map.of());
    }

    private void stop(Target target) {
        target.stack().service(instanceId).stop(Duration.ofSeconds(30));
    }

    private void start(Target target, Map<String, String> environment) {
        target.stack().restartService(instanceId, environment);
        // the streams that follow must meet this instance (an orchestrator cut off while it held no partition of
        // chat.requests generated nothing, and the smoke run found no answer affected)
        target.awaitTakingWork(instanceId);
    }

    private static <T> T require(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("the link was not prepared");
        }
        return value;
    }
}
