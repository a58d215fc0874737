package dev.streamchat.launcher;

import dev.streamchat.launcher.process.Http;
import dev.streamchat.launcher.process.Http.Credentials;
import dev.streamchat.launcher.process.ManagedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/** Waits until service instances are healthy and, where asked, registered in Eureka; reports as they get there. */
final class Readiness {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(15);

    private final StackSettings settings;
    private final Credentials platform;
    private final Consumer<String> progress;

    Readiness(StackSettings settings, Credentials platform, Consumer<String> progress) {
        this.settings = settings;
        this.platform = platform;
        this.progress = progress;
    }

    /** A service instance to wait for. */
    record Check(ServiceInstance instance, ManagedProcess process, boolean mustRegister) {}

    void await(List<Check> checks) {
        long started = System.nanoTime();
        long deadline = started + settings.startTimeout().toNanos();
        long nextReport = started + REPORT_EVERY.toNanos();
        List<Check> waiting = new ArrayList<>(checks);
        while (!waiting.isEmpty()) {
            Set<String> registered = waiting.stream().anyMatch(Check::mustRegister) ? registeredInstances() : Set.of();
            for (var it = waiting.iterator(); it.hasNext(); ) {
                Check check = it.next();
                if (!check.process().isAlive()) {
                    throw new IllegalStateException(check.instance().instanceId() + " exited with code "
                            + check.process().process().exitValue() + " while starting; last lines of "
                            + check.process().logFile() + ":\n"
                            + check.process().tailOfLog(40));
                }
                boolean ready = Http.isUp(check.instance().healthUrl())
                        && (!check.mustRegister()
                                || registered.contains(check.instance().instanceId()));
                if (ready) {
                    it.remove();
                    progress.accept(check.instance().instanceId() + " is healthy"
                            + (check.mustRegister() ? " and registered in Eureka" : "") + " on "
                            + check.instance().baseUrl());
                }
            }
            long now = System.nanoTime();
            if (!waiting.isEmpty() && now > deadline) {
                throw new IllegalStateException("not healthy within " + settings.startTimeout() + ": " + names(waiting)
                        + "; see their logs in " + settings.logDirectory());
            }
            if (!waiting.isEmpty() && now > nextReport) {
                progress.accept("waiting for " + names(waiting));
                nextReport = now + REPORT_EVERY.toNanos();
            }
            if (!waiting.isEmpty()) {
                sleep();
            }
        }
    }

    /** Instance ids that Eureka lists with status UP. */
    Set<String> registeredInstances() {
        Set<String> ids = new HashSet<>();
        Http.getJson(settings.discovery().baseUrl() + "/eureka/apps", platform).ifPresent(body -> {
            for (JsonNode application : asList(body.path("applications").path("application"))) {
                for (JsonNode instance : asList(application.path("instance"))) {
                    if ("UP".equals(instance.path("status").asString(""))) {
                        ids.add(instance.path("instanceId").asString(""));
                    }
                }
            }
        });
        return ids;
    }

    /** Eureka writes a one-element list as a bare object. */
    private static List<JsonNode> asList(JsonNode node) {
        if (node.isArray()) {
            var items = new ArrayList<JsonNode>();
            node.forEach(items::add);
            return items;
        }
        return node.isObject() ? List.of(node) : List.of();
    }

    private static String names(List<Check> checks) {
        return String.join(
                ", ", checks.stream().map(c -> c.instance().instanceId()).toList());
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the services", e);
        }
    }
}
