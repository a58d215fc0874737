package dev.streamchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The NetworkPolicies of k8s/, read as a network plugin enforces them: a pod takes a connection on a port when a
 * policy that selects it lets the source's pod labels in on that port, and nothing else (the namespace denies every
 * other ingress). Every pair of workloads in the local overlay is checked against what each service uses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkPolicyTests {

    /** What each workload connects to, as the services' configuration has it (config-repo/, the poms). */
    private static final Map<String, Set<String>> USES = Map.ofEntries(
            Map.entry(
                    "gateway-service",
                    Set.of(
                            "discovery-service",
                            "session-service",
                            "recovery-service",
                            "persistence-service",
                            "analytics-service",
                            "redis",
                            "kafka",
                            "zipkin")),
            Map.entry("session-service", Set.of("discovery-service", "recovery-service", "redis", "kafka", "zipkin")),
            Map.entry(
                    "orchestrator-service",
                    Set.of("discovery-service", "persistence-service", "postgres", "redis", "kafka", "zipkin")),
            Map.entry(
                    "recovery-service",
                    Set.of("discovery-service", "persistence-service", "postgres", "redis", "kafka", "zipkin")),
            Map.entry("persistence-service", Set.of("discovery-service", "postgres", "kafka", "zipkin")),
            Map.entry("analytics-service", Set.of("discovery-service", "postgres", "kafka", "zipkin")),
            Map.entry("discovery-service", Set.of("kafka", "zipkin")),
            Map.entry("postgres", Set.of()),
            Map.entry("redis", Set.of()),
            Map.entry("kafka", Set.of("kafka")),
            Map.entry("zipkin", Set.of()));

    private final Map<String, List<Map<String, Object>>> rendered = new LinkedHashMap<>();

    @BeforeAll
    void render() {
        assumeTrue(Kustomize.available(), "kubectl not found: the NetworkPolicies of k8s/ were not checked");
        for (String overlay : List.of("local", "prod")) {
            rendered.put(overlay, Kustomize.render(Repository.path("k8s/overlays/" + overlay)));
        }
    }

    @Test
    void everyOverlayDeniesWhatNoPolicyAllows() {
        rendered.forEach((overlay, objects) -> assertThat(policies(objects))
                .as(overlay)
                .anySatisfy(policy -> {
                    assertThat(Tree.map(Tree.at(policy, "spec", "podSelector"))).isEmpty();
                    assertThat(Tree.list(Tree.at(policy, "spec", "ingress"))).isEmpty();
                    assertThat(Tree.list(Tree.at(policy, "spec", "policyTypes")))
                            .contains("Ingress");
                }));
    }

    @Test
    void inTheLocalOverlayEachWorkloadReachesWhatItUsesAndNothingElse() {
        var objects = rendered.get("local");
        Map<String, Map<String, String>> workloads = workloads(objects);
        assertThat(workloads.keySet()).containsExactlyInAnyOrderElementsOf(USES.keySet());
        var wrong = new ArrayList<String>();
        workloads.forEach((from, fromLabels) -> workloads.forEach((to, toLabels) -> {
            // the gateway is the public entry, open to every source (checked below); a pod reaching itself is no
            // policy's
            if (to.equals("gateway-service") || to.equals(from)) {
                return;
            }
            boolean reaches = reaches(policies(objects), fromLabels, toLabels, firstPortName(objects, to));
            boolean uses = USES.get(from).contains(to);
            if (reaches != uses) {
                wrong.add(from + (reaches ? " reaches " : " cannot reach ") + to);
            }
        }));

        assertThat(wrong).isEmpty();
    }

    @Test
    void theGatewayIsOpenToTheIngressControllerAndNothingElseIsOpenToOtherNamespacesButMetrics() {
        var objects = rendered.get("prod");
        var open = new TreeSet<String>();
        workloads(objects).forEach((name, labels) -> {
            for (Map<String, Object> policy : policies(objects)) {
                if (selects(policy, labels)) {
                    for (Object rule : Tree.list(Tree.at(policy, "spec", "ingress"))) {
                        if (Tree.list(Tree.at(rule, "from")).isEmpty()) {
                            open.add(name);
                        }
                    }
                }
            }
        });

        assertThat(open).containsExactly("gateway-service");
    }

    /** Whether a pod with {@code from}'s labels may open a connection to a pod with {@code to}'s, on {@code port}. */
    static boolean reaches(
            List<Map<String, Object>> policies, Map<String, String> from, Map<String, String> to, String port) {
        for (Map<String, Object> policy : policies) {
            if (!selects(policy, to)) {
                continue;
            }
            for (Object rule : Tree.list(Tree.at(policy, "spec", "ingress"))) {
                List<Object> sources = Tree.list(Tree.at(rule, "from"));
                List<Object> ports = Tree.list(Tree.at(rule, "ports"));
                boolean sourceMatches = sources.isEmpty()
                        || sources.stream()
                                .anyMatch(source -> Tree.at(source, "namespaceSelector") == null
                                        && Tree.at(source, "ipBlock") == null
                                        && matches(Tree.map(Tree.at(source, "podSelector", "matchLabels")), from));
                boolean portMatches =
                        ports.isEmpty() || ports.stream().anyMatch(p -> port.equals(Tree.text(Tree.at(p, "port"))));
                if (sourceMatches && portMatches) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean selects(Map<String, Object> policy, Map<String, String> labels) {
        return matches(Tree.map(Tree.at(policy, "spec", "podSelector", "matchLabels")), labels);
    }

    private static boolean matches(Map<String, Object> selector, Map<String, String> labels) {
        return selector.entrySet().stream()
                .allMatch(entry -> String.valueOf(entry.getValue()).equals(labels.get(entry.getKey())));
    }

    private static List<Map<String, Object>> policies(List<Map<String, Object>> objects) {
        return objects.stream()
                .filter(object -> "NetworkPolicy".equals(object.get("kind")))
                .toList();
    }

    /** Each Deployment's and StatefulSet's pod labels, by workload name. */
    private static Map<String, Map<String, String>> workloads(List<Map<String, Object>> objects) {
        var workloads = new LinkedHashMap<String, Map<String, String>>();
        for (Map<String, Object> object : objects) {
            if (Set.of("Deployment", "StatefulSet").contains(Tree.text(object.get("kind")))) {
                var labels = new LinkedHashMap<String, String>();
                Tree.map(Tree.at(object, "spec", "template", "metadata", "labels"))
                        .forEach((key, value) -> labels.put(key, String.valueOf(value)));
                workloads.put(Tree.text(Tree.at(object, "metadata", "name")), labels);
            }
        }
        return workloads;
    }

    /** The name of the first container port of a workload: what its Service targets. */
    private static String firstPortName(List<Map<String, Object>> objects, String workload) {
        for (Map<String, Object> object : objects) {
            if (Set.of("Deployment", "StatefulSet").contains(Tree.text(object.get("kind")))
                    && workload.equals(Tree.text(Tree.at(object, "metadata", "name")))) {
                return Tree.text(Tree.at(object, "spec", "template", "spec", "containers", 0, "ports", 0, "name"));
            }
        }
        throw new IllegalArgumentException("no workload " + workload);
    }
}
