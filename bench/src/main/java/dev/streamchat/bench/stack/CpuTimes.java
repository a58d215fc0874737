package dev.streamchat.bench.stack;

import dev.streamchat.launcher.ServiceInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time used by every process of the stack (a PostgreSQL server with its backends, the load client itself), read
 * from the operating system before and after a run: where the machine's two cores went, per chunk.
 */
public final class CpuTimes {

    private CpuTimes() {}

    /** CPU time so far per process of the stack, by name. */
    public static Map<String, Duration> snapshot(Target target) {
        var times = new LinkedHashMap<String, Duration>();
        for (ServiceInstance instance : target.settings().services()) {
            times.put(
                    instance.instanceId(),
                    cpu(target.stack().service(instance.instanceId()).pid(), false));
        }
        times.put(
                "postgresql",
                target.stack().postgres().pid().map(pid -> cpu(pid, true)).orElse(Duration.ZERO));
        times.put("redis", cpu(target.stack().redis().pid(), false));
        times.put("kafka", cpu(target.stack().kafka().pid(), false));
        times.put("zipkin", cpu(target.stack().zipkin().pid(), false));
        times.put("load client", cpu(ProcessHandle.current().pid(), false));
        return times;
    }

    /** Microseconds of CPU per unit of work ({@code units} chunks, say) between two snapshots, by process. */
    public static Map<String, Double> perUnitMicros(
            Map<String, Duration> before, Map<String, Duration> after, long units) {
        var per = new LinkedHashMap<String, Double>();
        double total = 0;
        for (var entry : after.entrySet()) {
            Duration start = before.getOrDefault(entry.getKey(), Duration.ZERO);
            double micros = entry.getValue().minus(start).toNanos() / 1000.0 / Math.max(1, units);
            per.put(entry.getKey(), Math.round(micros * 10) / 10.0);
            total += micros;
        }
        per.put("total", Math.round(total * 10) / 10.0);
        return per;
    }

    private static Duration cpu(long pid, boolean withDescendants) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty()) {
            return Duration.ZERO;
        }
        Duration total = process.get().info().totalCpuDuration().orElse(Duration.ZERO);
        if (withDescendants) {
            for (ProcessHandle child : process.get().descendants().toList()) {
                total = total.plus(child.info().totalCpuDuration().orElse(Duration.ZERO));
            }
            // and the children that have exited: a PostgreSQL backend ends with its connection (a pool retires its
            // connections every 30 minutes), and its CPU time would drop out of the sum (a soak once read a minute
            // of negative CPU); the kernel adds it to the parent's cutime and cstime when the parent reaps it
            total = total.plus(exitedChildren(pid));
        }
        return total;
    }

    /** The CPU time of the exited children a process has waited for ({@code cutime + cstime} of /proc/PID/stat). */
    private static Duration exitedChildren(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // after the command's closing parenthesis, fields from the third (state) on
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long ticks = Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
            // /proc counts in USER_HZ, 100 per second on Linux whatever the kernel's own tick
            return Duration.ofMillis(ticks * 10);
        } catch (IOException | RuntimeException e) {
            return Duration.ZERO;
        }
    }
}
