package dev.streamchat.bench.gatling;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.report.Report;
import dev.streamchat.bench.scenario.Scenario;
import dev.streamchat.bench.stack.Target;
import io.gatling.app.Gatling$;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Runs {@link ChatSimulation} with Gatling against the target's gateway; Gatling writes its HTML report. */
public final class GatlingRun implements Scenario {

    @Override
    public String name() {
        return "gatling";
    }

    @Override
    public String description() {
        return "the chat scenario as a Gatling simulation, HTML report (--users 100 --chunks 200 --interval 5)";
    }

    @Override
    public Report run(Target target, Options options) {
        Path results = Path.of(options.string("gatling-results", "bench/target/gatling"))
                .toAbsolutePath();
        System.setProperty("gateway", target.gatewayUrl());
        System.setProperty("users", Integer.toString(options.integer("users", 100)));
        System.setProperty("rampSeconds", Integer.toString(options.integer("ramp-seconds", 10)));
        System.setProperty("chunks", Integer.toString(options.integer("chunks", 200)));
        System.setProperty("intervalMs", Integer.toString(options.integer("interval", 5)));
        // the Scala object itself: the class Gatling has only a static main, which exits the JVM
        int status = Gatling$.MODULE$.fromArgs(
                new String[] {"--simulation", ChatSimulation.class.getName(), "--results-folder", results.toString()});
        var report = new Report(name()).parameters(options.used());
        report.figure("gatlingExitCode", status).figure("htmlReport", latestReport(results));
        return report.failures(status == 0 ? java.util.List.of() : java.util.List.of("Gatling exited with " + status));
    }

    private static String latestReport(Path results) {
        try (Stream<Path> runs = Files.list(results)) {
            return runs.filter(run -> Files.exists(run.resolve("index.html")))
                    .max(Comparator.comparing(Path::getFileName))
                    .map(run -> run.resolve("index.html").toString())
                    .orElse("none");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
