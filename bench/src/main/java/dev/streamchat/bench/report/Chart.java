package dev.streamchat.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A self-contained HTML page (inline SVG, no script, no network) with the latency distributions of a report drawn as
 * percentile curves (x: 0 to 99.999 %, on the usual 1/(1-p) scale; y: milliseconds, log scale), its timelines (a value
 * per step, linear), and its JSON.
 */
final class Chart {

    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final String[] COLOURS = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
    };
    private static final int WIDTH = 760;
    private static final int HEIGHT = 360;
    private static final int LEFT = 60;
    private static final int BOTTOM = 40;
    private static final double MAX_X = Math.log10(100_000); // 99.999 %

    private Chart() {}

    static String html(
            String title,
            Map<String, Object> report,
            Map<String, Histogram> series,
            Map<String, Map<String, List<Double>>> timelines) {
        var page = new StringBuilder();
        page.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title))
                .append("</title><style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}")
                .append("</style></head><body><h1>")
                .append(escape(title))
                .append("</h1>");
        if (!series.isEmpty()) {
            page.append(svg(series));
        }
        timelines.forEach((name, lines) ->
                page.append("<h2>").append(escape(name)).append("</h2>").append(timeline(lines)));
        page.append("<h2>Result</h2><pre>")
                .append(escape(JSON.writeValueAsString(report)))
                .append("</pre></body></html>\n");
        return page.toString();
    }

    private static String svg(Map<String, Histogram> series) {
        double maxMs = 0.001;
        double minMs = Double.MAX_VALUE;
        for (Histogram histogram : series.values()) {
            if (histogram.getTotalCount() > 0) {
                maxMs = Math.max(maxMs, histogram.getMaxValue() / 1e6);
                minMs = Math.min(minMs, Math.max(0.001, histogram.getMinValue() / 1e6));
            }
        }
        double low = Math.floor(Math.log10(minMs == Double.MAX_VALUE ? 0.001 : minMs));
        double high = Math.ceil(Math.log10(maxMs));
        if (high <= low) {
            high = low + 1;
        }
        var svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(WIDTH + 220)
                .append("\" height=\"")
                .append(HEIGHT + BOTTOM + 20)
                .append("\" font-size=\"11\">");
        for (int tick = 0; tick <= 5; tick++) {
            double x = LEFT + tick / MAX_X * (WIDTH - LEFT);
            String label = tick == 0 ? "0%" : (100 - 100 / Math.pow(10, tick)) + "%";
            svg.append(line(x, 10, x, HEIGHT, "#ddd")).append(text(x - 10, HEIGHT + 15, label));
        }
        for (double decade = low; decade <= high; decade++) {
            double y = y(decade, low, high);
            svg.append(line(LEFT, y, WIDTH, y, "#ddd")).append(text(5, y + 4, trim(Math.pow(10, decade)) + " ms"));
        }
        int colour = 0;
        for (var entry : series.entrySet()) {
            Histogram histogram = entry.getValue();
            if (histogram.getTotalCount() == 0) {
                continue;
            }
            List<String> points = new ArrayList<>();
            for (double position = 0; position <= MAX_X; position += 0.05) {
                double percentile = 100 - 100 / Math.pow(10, position);
                double ms = Math.max(Math.pow(10, low), histogram.getValueAtPercentile(percentile) / 1e6);
                double x = LEFT + position / MAX_X * (WIDTH - LEFT);
                points.add(String.format(java.util.Locale.ROOT, "%.1f,%.1f", x, y(Math.log10(ms), low, high)));
            }
            plot(svg, points, colour++, entry.getKey());
        }
        return svg.append(text(LEFT, HEIGHT + 32, "percentile"))
                .append("</svg>")
                .toString();
    }

    /** One line per series over the steps, y linear from 0 to the largest value. */
    private static String timeline(Map<String, List<Double>> lines) {
        int steps = lines.values().stream().mapToInt(List::size).max().orElse(0);
        double max = lines.values().stream()
                .flatMap(List::stream)
                .filter(Double::isFinite)
                .mapToDouble(Double::doubleValue)
                .max()
                .orElse(1);
        double top = max <= 0 ? 1 : max;
        int height = HEIGHT / 2;
        var svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(WIDTH + 220)
                .append("\" height=\"")
                .append(height + BOTTOM)
                .append("\" font-size=\"11\">")
                .append(line(LEFT, height, WIDTH, height, "#999"))
                .append(line(LEFT, 10, WIDTH, 10, "#ddd"))
                .append(text(5, 14, trim(top)))
                .append(text(5, height, "0"));
        for (int step = 0; step < steps; step += Math.max(1, steps / 10)) {
            double x = LEFT + (steps == 1 ? 0 : (double) step / (steps - 1) * (WIDTH - LEFT));
            svg.append(text(x - 3, height + 15, Integer.toString(step + 1)));
        }
        int colour = 0;
        for (var entry : lines.entrySet()) {
            var points = new ArrayList<String>();
            List<Double> values = entry.getValue();
            for (int step = 0; step < values.size(); step++) {
                if (!Double.isFinite(values.get(step))) {
                    continue;
                }
                double x = LEFT + (steps == 1 ? 0 : (double) step / (steps - 1) * (WIDTH - LEFT));
                double y = height - values.get(step) / top * (height - 10);
                points.add(String.format(java.util.Locale.ROOT, "%.1f,%.1f", x, y));
            }
            plot(svg, points, colour++, entry.getKey());
        }
        return svg.append("</svg>").toString();
    }

    /** A series' line, in the {@code index}-th colour, and its entry in the legend on the right. */
    private static void plot(StringBuilder svg, List<String> points, int index, String name) {
        String stroke = COLOURS[index % COLOURS.length];
        int row = (index + 1) * 16;
        svg.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"")
                .append(stroke)
                .append("\" points=\"")
                .append(String.join(" ", points))
                .append("\"/>")
                .append("<rect x=\"")
                .append(WIDTH + 10)
                .append("\" y=\"")
                .append(row)
                .append("\" width=\"10\" height=\"10\" fill=\"")
                .append(stroke)
                .append("\"/>")
                .append(text(WIDTH + 25, row + 9, name));
    }

    private static double y(double log10Ms, double low, double high) {
        return HEIGHT - (log10Ms - low) / (high - low) * (HEIGHT - 10);
    }

    private static String line(double x1, double y1, double x2, double y2, String colour) {
        return String.format(
                java.util.Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                x1,
                y1,
                x2,
                y2,
                colour);
    }

    private static String text(double x, double y, String content) {
        return String.format(java.util.Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", x, y, escape(content));
    }

    private static String trim(double value) {
        return value >= 1 ? Long.toString(Math.round(value)) : Double.toString(value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
