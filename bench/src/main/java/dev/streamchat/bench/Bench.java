package dev.streamchat.bench;

import dev.streamchat.bench.client.ChatSocket;
import dev.streamchat.bench.fault.FaultSuite;
import dev.streamchat.bench.gatling.GatlingRun;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.scenario.Connections;
import dev.streamchat.bench.scenario.GatewayOverhead;
import dev.streamchat.bench.scenario.Peers;
import dev.streamchat.bench.scenario.ReconnectStorm;
import dev.streamchat.bench.scenario.Repeat;
import dev.streamchat.bench.scenario.Resume;
import dev.streamchat.bench.scenario.Scenario;
import dev.streamchat.bench.scenario.Soak;
import dev.streamchat.bench.scenario.Throughput;
import dev.streamchat.bench.stack.Target;
import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.StackSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The command line behind {@code ./chat bench <scenario>}: starts the system with the launcher of {@code ./chat up}
 * (same ports: stop {@code ./chat up} first), with full JIT and larger heaps, runs the scenario, writes its JSON and
 * HTML chart under {@code bench/results/} and prints the figures.
 */
public final class Bench {

    public static final List<Scenario> SCENARIOS = List.of(
            new Throughput(),
            new GatewayOverhead(),
            new Resume(),
            new Connections(),
            new ReconnectStorm(),
            new Repeat(),
            new Soak(),
            new FaultSuite(),
            new Peers(),
            new GatlingRun());

    /** Benchmarks run the services with the C2 compiler and room to hold many connections. */
    public static final List<String> SERVICE_JVM_OPTIONS = List.of(
            "-Xms128m",
            // a session node holding 10,000 connections needs about a GiB (see the connections results)
            "-Xmx1536m",
            "-Xss512k",
            "-XX:MaxMetaspaceSize=192m",
            "-XX:+UseSerialGC",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    private Bench() {}

    public static void main(String[] args) {
        System.setProperty(
                "logback.configurationFile", System.getProperty("logback.configurationFile", "launcher-logback.xml"));
        LoggerFactory.getILoggerFactory();
        if (args.length == 0 || scenarios(args[0]).isEmpty()) {
            System.out.println(usage());
            System.exit(2);
        }
        Options options = Options.parse(args, 1);
        Path root = StackSettings.findRepositoryRoot(Path.of(System.getProperty("streamchat.root", ".")));
        Path out = root.resolve(options.string("out", "bench/results"));
        long started = System.nanoTime();
        // --jvm up: the services' JVM options of ./chat up (C1 only, small heaps) instead of the benchmark's
        var settings = settings(root, options.string("jvm", "bench"));
        int failed = 0;
        LocalStack stack = LocalStack.create(
                settings,
                line -> System.out.printf(
                        Locale.ROOT, "[stack %6.1fs] %s%n", (System.nanoTime() - started) / 1e9, line));
        // Ctrl-C or a kill stops the stack too, as it does ./chat up's, instead of leaving thirteen processes running
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-stack-down"));
        try (stack) {
            stack.start();
            var target = new Target(stack);
            for (Scenario scenario : scenarios(args[0])) {
                Options scenarioOptions = options.fresh();
                // the protocol the load clients speak: v2 (CHUNKS frames) unless --protocol v1
                ChatSocket.speak(scenarioOptions.string("protocol", "v2"));
                // recorded with the figures
                scenarioOptions.string("jvm", "bench");
                Report report = scenario.run(target, scenarioOptions);
                Path written = report.write(out);
                System.out.println(report.text());
                System.out.println("written: " + written);
                failed += report.clean() ? 0 : 1;
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    /**
     * The settings of {@code ./chat up} with its own run folder, and the benchmark's JVM options ({@code jvm} "bench")
     * or those of {@code ./chat up} ("up").
     */
    public static StackSettings settings(Path root, String jvm) {
        StackSettings local = StackSettings.local(root);
        List<String> jvmOptions = switch (jvm) {
            case "bench" -> SERVICE_JVM_OPTIONS;
            case "up" -> local.serviceJvmOptions();
            default -> throw new IllegalArgumentException("--jvm is bench or up, not " + jvm);
        };
        return new StackSettings(
                local.repositoryRoot(),
                root.resolve("bench/target/bench-run"),
                local.ports(),
                local.services(),
                jvmOptions,
                local.startTimeout(),
                // one answer in a hundred traced, as a busy production system would sample
                Map.of("TRACING_SAMPLING_PROBABILITY", "0.01"),
                // every run starts from fresh jars of a build; the figures are those of the run, not of the start
                false);
    }

    static List<Scenario> scenarios(String name) {
        if (name.equals("all")) {
            return SCENARIOS;
        }
        var found = new ArrayList<Scenario>();
        for (String wanted : name.split(",")) {
            SCENARIOS.stream().filter(s -> s.name().equals(wanted)).forEach(found::add);
        }
        return found.size() == name.split(",").length ? found : List.of();
    }

    private static String usage() {
        var usage = new StringBuilder(
                "usage: ./chat bench <scenario>[,<scenario>...]|all [--name value ...] [--out bench/results]\n");
        SCENARIOS.forEach(s -> usage.append(String.format(Locale.ROOT, "  %-18s %s%n", s.name(), s.description())));
        return usage.toString();
    }
}
