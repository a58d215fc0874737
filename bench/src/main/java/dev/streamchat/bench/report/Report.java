package dev.streamchat.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The result of one benchmark command: its parameters, the machine, the figures, the latency distributions and the
 * failures, written as JSON and as an HTML chart, and printed as a few lines.
 */
public final class Report {

    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final String scenario;
    private final Instant started = Instant.now();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final Map<String, Histogram> distributions = new LinkedHashMap<>();
    private final Map<String, Map<String, List<Double>>> timelines = new LinkedHashMap<>();
    private Map<String, Object> parameters = Map.of();
    private List<String> failures = List.of();

    public Report(String scenario) {
        this.scenario = scenario;
    }

    public String scenario() {
        return scenario;
    }

    public Report parameters(Map<String, Object> used) {
        this.parameters = Map.copyOf(used);
        return this;
    }

    /** A figure, under a dotted path ({@code "gateway.p99Ms"}) that becomes nested JSON objects. */
    public Report figure(String path, Object value) {
        Map<String, Object> node = figures;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            @SuppressWarnings("unchecked")
            var child =
                    (Map<String, Object>) node.computeIfAbsent(parts[i], key -> new LinkedHashMap<String, Object>());
            node = child;
        }
        node.put(parts[parts.length - 1], value instanceof Double d ? round(d) : value);
        return this;
    }

    @SuppressWarnings("unchecked")
    public Object figure(String path) {
        Object node = figures;
        for (String part : path.split("\\.")) {
            node = ((Map<String, Object>) node).get(part);
        }
        return node;
    }

    /** A latency distribution (ns): its summary in ms as a figure, and a series of the chart. */
    public Report latency(String path, Histogram nanos) {
        figure(path, summary(nanos));
        distributions.put(path, nanos.copy());
        return this;
    }

    /**
     * A chart over time: one line per series, a value per step (a minute of a soak, say), y from 0. Only the chart
     * shows it; the figures carry the values.
     */
    public Report timeline(String title, Map<String, List<Double>> series) {
        timelines.put(title, new LinkedHashMap<>(series));
        return this;
    }

    public Report failures(List<String> all) {
        this.failures = all.stream().limit(20).toList();
        figure("failures", all.size());
        return this;
    }

    /** Up to 20 of the run's failures, as the clients described them. */
    public List<String> failureSamples() {
        return failures;
    }

    /** False when the run lost, repeated or failed anything: the numbers of such a run are not results. */
    public boolean clean() {
        return clean(figures);
    }

    private static boolean clean(Map<String, Object> node) {
        for (var entry : node.entrySet()) {
            if (entry.getValue() instanceof Map<?, ?> child) {
                @SuppressWarnings("unchecked")
                var map = (Map<String, Object>) child;
                if (!clean(map)) {
                    return false;
                }
            } else if (BAD.contains(entry.getKey())
                    && entry.getValue() instanceof Number number
                    && number.longValue() != 0) {
                return false;
            }
        }
        return true;
    }

    private static final java.util.Set<String> BAD =
            java.util.Set.of("missing", "duplicates", "violations", "failures", "rowsLost");

    public static Map<String, Object> summary(Histogram nanos) {
        var summary = new LinkedHashMap<String, Object>();
        summary.put("count", nanos.getTotalCount());
        summary.put("p50Ms", ms(nanos.getValueAtPercentile(50)));
        summary.put("p90Ms", ms(nanos.getValueAtPercentile(90)));
        summary.put("p99Ms", ms(nanos.getValueAtPercentile(99)));
        summary.put("p999Ms", ms(nanos.getValueAtPercentile(99.9)));
        summary.put("maxMs", ms(nanos.getMaxValue()));
        return summary;
    }

    private static double ms(long nanos) {
        return round(nanos / 1e6);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    public Map<String, Object> toMap() {
        var all = new LinkedHashMap<String, Object>();
        all.put("scenario", scenario);
        all.put("startedAt", started.toString());
        all.put("machine", machine());
        all.put("parameters", parameters);
        all.put("figures", figures);
        all.put("failureSamples", failures);
        return all;
    }

    /** {@code <scenario>-<time>}: the name of this run's files. */
    public String fileName() {
        return scenario + "-" + FILE_TIME.format(started);
    }

    /** Writes {@code <scenario>-<time>.json} and {@code .html} into {@code directory}; returns the JSON file. */
    public Path write(Path directory) {
        try {
            Files.createDirectories(directory);
            String name = fileName();
            Path json = directory.resolve(name + ".json");
            Files.writeString(json, JSON.writeValueAsString(toMap()) + "\n");
            Files.writeString(
                    directory.resolve(name + ".html"), Chart.html(scenario, toMap(), distributions, timelines));
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The figures as indented lines, for the console. */
    public String text() {
        return scenario + " " + JSON.writeValueAsString(figures);
    }

    static Map<String, Object> machine() {
        var machine = new LinkedHashMap<String, Object>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("cpu", firstLine("/proc/cpuinfo", "model name"));
        machine.put("memory", firstLine("/proc/meminfo", "MemTotal"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("benchJvm", ManagementFactory.getRuntimeMXBean().getInputArguments());
        machine.put("date", Instant.now().toString());
        return machine;
    }

    private static String firstLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream()
                    .filter(line -> line.startsWith(prefix))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String format(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
