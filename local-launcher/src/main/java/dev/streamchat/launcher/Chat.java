package dev.streamchat.launcher;

import dev.streamchat.launcher.process.Http;
import dev.streamchat.launcher.process.Ports;
import dev.streamchat.launcher.process.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The command line behind {@code ./chat}: {@code up} starts the whole system and stays in the foreground until Ctrl-C;
 * {@code down} stops a stack started from another terminal; {@code status} tells what runs.
 */
public final class Chat {

    private Chat() {}

    public static void main(String[] args) {
        System.setProperty(
                "logback.configurationFile", System.getProperty("logback.configurationFile", "launcher-logback.xml"));
        // before any thread logs, so that logging starts configured
        LoggerFactory.getILoggerFactory();
        Path root = StackSettings.findRepositoryRoot(Path.of(System.getProperty("streamchat.root", ".")));
        StackSettings settings = StackSettings.local(root);
        String command = args.length == 0 ? "help" : args[0];
        int exitCode = switch (command) {
            case "up" -> up(settings);
            case "down" -> down(settings);
            case "status" -> status(settings);
            default -> usage();
        };
        System.exit(exitCode);
    }

    private static int usage() {
        System.out.println("""
                usage: ./chat up | down | status
                  up      start the infrastructure and every service, wait until all are healthy, print the URLs;
                          stays in the foreground: Ctrl-C stops everything
                  down    stop a stack started by ./chat up from another terminal (or left behind by a crash)
                  status  show what runs and whether it is healthy""");
        return 2;
    }

    static int up(StackSettings settings) {
        long started = System.nanoTime();
        Consumer<String> progress =
                line -> System.out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - started) / 1e9, line);
        LocalStack stack = LocalStack.create(settings, progress);
        var stopped = new CountDownLatch(1);
        var stopOnSignal = new Thread(
                () -> {
                    progress.accept("stopping everything");
                    stack.close();
                    progress.accept("stopped");
                    stopped.countDown();
                },
                "chat-down");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try {
            stack.start();
        } catch (RuntimeException e) {
            // start() has stopped what it started
            Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            System.err.println();
            System.err.println("./chat up failed: " + e.getMessage());
            System.err.println("Logs: " + settings.logDirectory());
            return 1;
        }
        System.out.println();
        var memory = stack.memory();
        System.out.printf(
                Locale.ROOT,
                "All services healthy in %.1f s, holding %d MiB of memory in %d processes (PSS; RSS %d MiB).%n%n",
                (System.nanoTime() - started) / 1e9,
                memory.total().proportionalBytes() >> 20,
                memory.processes(),
                memory.total().residentBytes() >> 20);
        System.out.println(urlTable(stack));
        System.out.println("Press Ctrl-C (or run ./chat down) to stop everything.");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static String urlTable(LocalStack stack) {
        StackSettings settings = stack.settings();
        var rows = new ArrayList<String[]>();
        var gateway = settings.services().stream()
                .filter(s -> s.module().equals("gateway-service"))
                .findFirst();
        String reach = settings.gatewayAddress().equals(StackSettings.LOOPBACK)
                ? "this machine only (" + StackSettings.LISTEN_ADDRESS + "=0.0.0.0 opens it)"
                : "listening on " + settings.gatewayAddress();
        gateway.ifPresent(g -> rows.add(new String[] {"Web client (gateway)", g.baseUrl(), reach}));
        var discovery = settings.discovery();
        var credentials = stack.platformCredentials();
        String login = "user " + credentials.username() + ", password " + credentials.password();
        rows.add(new String[] {"Eureka dashboard", discovery.baseUrl(), login});
        rows.add(new String[] {"Config Server", discovery.baseUrl() + "/config/{service}/local", login});
        rows.add(new String[] {"Zipkin", stack.zipkin().baseUrl(), ""});
        for (ServiceInstance instance : settings.services()) {
            rows.add(new String[] {instance.instanceId(), instance.healthUrl(), ""});
        }
        rows.add(new String[] {
            "PostgreSQL",
            "jdbc:postgresql://localhost:" + settings.ports().postgres() + "/{db}",
            "databases " + String.join(", ", LocalStack.DATABASES)
        });
        var redis = stack.redis().login();
        rows.add(new String[] {
            "Redis",
            "redis://localhost:" + settings.ports().redis(),
            "user " + redis.username() + ", password " + redis.password()
        });
        rows.add(new String[] {
            "Kafka", "localhost:" + settings.ports().kafka(), "topics " + String.join(", ", LocalStack.TOPICS)
        });
        rows.add(new String[] {"Logs", settings.logDirectory().toString(), ""});
        int first = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        int second = rows.stream().mapToInt(r -> r[1].length()).max().orElse(0);
        var table = new StringBuilder();
        for (String[] row : rows) {
            table.append(String.format(Locale.ROOT, "  %-" + first + "s  %-" + second + "s  %s", row[0], row[1], row[2])
                            .stripTrailing())
                    .append('\n');
        }
        return table.toString();
    }

    static int down(StackSettings settings) {
        var state = RunState.read(settings.stateFile());
        var launcher = state.flatMap(RunState::liveLauncher);
        if (launcher.isPresent()) {
            System.out.println(
                    "stopping the stack (launcher pid " + launcher.get().pid() + ")");
            // the first stop after a build also writes the services' start-up caches
            Processes.terminate(launcher.get(), Duration.ofMinutes(5));
        }
        List<ProcessHandle> leftovers = RunState.liveProcessesOf(settings.runDirectory());
        for (ProcessHandle process : leftovers) {
            System.out.println("stopping pid " + process.pid() + " left from a run that did not end cleanly");
            Processes.terminate(process, Duration.ofSeconds(20));
        }
        RunState.delete(settings.stateFile());
        if (launcher.isEmpty() && leftovers.isEmpty()) {
            System.out.println("nothing of ours is running");
        } else {
            System.out.println("stopped");
        }
        return 0;
    }

    static int status(StackSettings settings) {
        var state = RunState.read(settings.stateFile());
        var launcher = state.flatMap(RunState::liveLauncher);
        System.out.println(launcher.map(l -> "launcher running, pid " + l.pid()).orElse("launcher not running"));
        state.filter(s -> launcher.isPresent())
                .ifPresent(s -> System.out.println("processes: "
                        + String.join(
                                ", ",
                                s.processes().stream()
                                        .map(p -> p.name() + " " + p.pid())
                                        .toList())));
        var infrastructure = settings.ports();
        printPort("PostgreSQL", infrastructure.postgres());
        printPort("Redis", infrastructure.redis());
        printPort("Kafka", infrastructure.kafka());
        printPort("Zipkin", infrastructure.zipkin());
        boolean allUp = launcher.isPresent();
        for (ServiceInstance instance : settings.services()) {
            boolean up = Http.isUp(instance.healthUrl());
            allUp &= up;
            System.out.printf(
                    Locale.ROOT, "  %-22s %-5s %s%n", instance.instanceId(), up ? "UP" : "DOWN", instance.healthUrl());
        }
        return allUp ? 0 : 3;
    }

    private static void printPort(String name, int port) {
        System.out.printf(
                Locale.ROOT, "  %-22s %-5s localhost:%d%n", name, Ports.isListening(port) ? "UP" : "DOWN", port);
    }
}
