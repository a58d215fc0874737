package dev.streamchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The kustomize overlays in k8s/, rendered by {@code kubectl kustomize} (no cluster): every object against the
 * Kubernetes API schema of its kind, then the references between the objects and to config-repo/ and the modules.
 * Every check is a method that lists what is wrong, run on each overlay and, for the main rules, on a copy of the
 * local overlay broken on purpose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KustomizeTests {

    static final List<String> OVERLAYS = List.of("local", "prod");
    static final String NAMESPACE = "streamchat";
    static final String LIVENESS = "/actuator/health/liveness";
    static final String READINESS = "/actuator/health/readiness";

    /** The services that scale horizontally; each has an HPA. */
    static final Set<String> AUTOSCALED = Set.of("gateway-service", "session-service", "orchestrator-service");

    /** Health contributors a readiness group may name (Spring Boot's, for what the services use). */
    static final Set<String> HEALTH_CONTRIBUTORS =
            Set.of("readinessState", "livenessState", "ping", "diskSpace", "db", "redis", "discoveryComposite");

    /** Where the k8s profile expects each piece of infrastructure (config-repo/application-k8s.yml). */
    static final List<String> INFRASTRUCTURE = List.of("postgres", "redis", "kafka", "zipkin");

    private static final Pattern DOCUMENTED_SECRET = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\|");
    private static final Pattern PLACEHOLDER = Pattern.compile("^\\$\\{[A-Z0-9_]+:([^}]*)}$");
    private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet");

    private final List<ServiceModule> modules = Repository.serviceModules();
    private final Map<String, List<Map<String, Object>>> rendered = new LinkedHashMap<>();

    @BeforeAll
    void renderEveryOverlay() {
        assumeTrue(
                Kustomize.available(),
                "kubectl not found (" + Kustomize.KUBECTL + " version --client failed): the k8s/ overlays were not"
                        + " rendered nor checked; install kubectl 1.27 or newer (kustomize v5), or set KUBECTL");
        for (String overlay : OVERLAYS) {
            rendered.put(overlay, Kustomize.render(Repository.path("k8s/overlays/" + overlay)));
        }
    }

    @Test
    void everyOverlayRendersEveryServiceModule() {
        assertThat(modules).hasSizeGreaterThanOrEqualTo(7);
        check((overlay, objects) -> problemsOfWorkloads(objects, modules));
    }

    @Test
    void everyObjectMatchesTheSchemaOfItsKind() {
        check((overlay, objects) -> problemsOfSchema(objects));
    }

    @Test
    void everyServiceSelectsThePodsOfAWorkloadAndTheirPorts() {
        check((overlay, objects) -> problemsOfServiceSelectors(objects));
    }

    @Test
    void everyProbeAsksAHealthGroupTheServiceHas() {
        check((overlay, objects) -> problemsOfProbes(objects, modules));
    }

    @Test
    void everyImageIsAModuleOrKnownInfrastructure() {
        check((overlay, objects) -> problemsOfImages(overlay, objects, modules));
    }

    @Test
    void everyAutoscalerScalesAnExistingDeployment() {
        check((overlay, objects) -> problemsOfAutoscalers(objects));
    }

    @Test
    void aDisruptionBudgetKeepsSessionNodesServing() {
        check((overlay, objects) -> problemsOfDisruptionBudgets(objects));
    }

    @Test
    void everyConfigMapAndSecretReferenceResolvesOrIsDocumentedAsExternal() {
        Set<String> documented = documentedExternalSecrets();
        assertThat(documented).as("Secrets listed in k8s/README.md").isNotEmpty();
        check((overlay, objects) -> problemsOfReferences(objects, overlay.equals("prod") ? documented : Set.of()));
        var unresolvedInProd = new TreeSet<String>();
        references(rendered.get("prod")).stream()
                .filter(reference -> reference.kind().equals("Secret"))
                .filter(reference -> find(rendered.get("prod"), "Secret", reference.name()) == null)
                .forEach(reference -> unresolvedInProd.add(reference.name()));
        assertThat(documented).as("documented external Secrets that prod uses").isEqualTo(unresolvedInProd);
    }

    @Test
    void everyServicePodKnowsItsNodeIdProfileAndConfigServer() {
        check((overlay, objects) -> problemsOfPodEnvironment(objects, modules));
    }

    @Test
    void everyServiceWithADatabaseGetsItsPasswordFromASecret() {
        check((overlay, objects) -> problemsOfDatabasePasswords(objects, modules));
    }

    @Test
    void podsDrainBeforeTheyStop() {
        check((overlay, objects) -> problemsOfShutdown(objects, modules));
    }

    @Test
    void podsGetNoServiceLinkVariables() {
        check((overlay, objects) -> problemsOfServiceLinks(objects));
    }

    @Test
    void theConfigServerServesEveryFileOfConfigRepo() {
        check((overlay, objects) -> problemsOfConfigServer(objects, modules));
    }

    @Test
    void theIngressLeadsToTheGatewayWithLongWebSocketTimeouts() {
        check((overlay, objects) -> problemsOfIngress(objects));
    }

    @Test
    void everyObjectLivesInTheStreamchatNamespace() {
        check((overlay, objects) -> problemsOfNamespace(objects));
    }

    @Test
    void theLocalOverlayRunsTheInfrastructureWhereTheK8sProfileLooksForIt() {
        var objects = rendered.get("local");
        assertThat(problemsOfInfrastructure(objects)).isEmpty();
        assertThat(problemsOfLocalProfile(objects)).isEmpty();
        assertThat(objects)
                .filteredOn(object -> "Secret".equals(object.get("kind")))
                .isNotEmpty()
                .allSatisfy(secret -> assertThat(decodedValues(secret))
                        .as("values of Secret %s", name(secret))
                        .allMatch(value -> value.startsWith("local-only-")));
    }

    @Test
    void theLocalOverlayTrustsTheDevTokensOfItsOneGateway() {
        var objects = rendered.get("local");
        assertThat(environmentConfigMap(objects))
                .containsEntry("JWT_JWK_SET_URI", "http://gateway-service:8080/api/auth/dev-jwks")
                .containsKeys("JWT_ISSUER", "JWT_AUDIENCE");
        var autoscaler = find(objects, "HorizontalPodAutoscaler", "gateway-service");
        assertThat(autoscaler).isNotNull();
        assertThat(Tree.text(Tree.at(autoscaler, "spec", "maxReplicas"))).isEqualTo("1");
    }

    @Test
    void theProdOverlayTakesInfrastructureAndSecretsFromOutside() {
        var objects = rendered.get("prod");
        assertThat(objects)
                .as("prod runs no infrastructure and generates no Secrets")
                .noneMatch(object -> Set.of("StatefulSet", "Secret").contains(Tree.text(object.get("kind"))));
        var environment = environmentConfigMap(objects);
        assertThat(environment)
                .containsKeys(
                        "POSTGRES_HOST",
                        "REDIS_HOST",
                        "KAFKA_BOOTSTRAP_SERVERS",
                        "ZIPKIN_ENDPOINT",
                        "JWT_JWK_SET_URI",
                        "JWT_ISSUER",
                        "JWT_AUDIENCE")
                .containsEntry("SPRING_PROFILES_ACTIVE", "k8s");
        assertThat(Tree.text(environment.get("JWT_JWK_SET_URI"))).startsWith("https://");
    }

    // ---------------------------------------------------------------- the checks broken on purpose

    @Test
    void reportsAServiceThatSelectsNoPods() {
        var broken = Tree.copy(rendered.get("local"));
        Tree.map(Tree.at(find(broken, "Service", "recovery-service"), "spec", "selector"))
                .put("app.kubernetes.io/name", "recovery");
        assertThat(problemsOfServiceSelectors(broken))
                .anyMatch(problem -> problem.startsWith("Service recovery-service"));
    }

    @Test
    void reportsAProbeOnAPathTheServiceDoesNotHave() {
        var broken = Tree.copy(rendered.get("local"));
        Tree.map(Tree.at(container(find(broken, "Deployment", "session-service")), "readinessProbe", "httpGet"))
                .put("path", "/health");
        assertThat(problemsOfProbes(broken, modules)).anyMatch(problem -> problem.contains("session-service"));
    }

    @Test
    void reportsAReferenceToASecretThatIsNotThere() {
        var broken = Tree.copy(rendered.get("local"));
        Tree.list(container(find(broken, "Deployment", "analytics-service")).get("env")).stream()
                .map(Tree::map)
                .filter(variable -> "DB_PASSWORD".equals(variable.get("name")))
                .forEach(variable ->
                        Tree.map(Tree.at(variable, "valueFrom", "secretKeyRef")).put("key", "passwd"));
        assertThat(problemsOfReferences(broken, Set.of()))
                .anyMatch(problem -> problem.contains("analytics-service") && problem.contains("passwd"));
    }

    @Test
    void reportsAnAutoscalerOfAMissingDeployment() {
        var broken = Tree.copy(rendered.get("local"));
        Tree.map(Tree.at(find(broken, "HorizontalPodAutoscaler", "orchestrator-service"), "spec", "scaleTargetRef"))
                .put("name", "orchestrator");
        assertThat(problemsOfAutoscalers(broken)).anyMatch(problem -> problem.contains("orchestrator"));
    }

    @Test
    void reportsAnImageThatIsNoModule() {
        var broken = Tree.copy(rendered.get("local"));
        container(find(broken, "Deployment", "gateway-service")).put("image", "nginx:latest");
        assertThat(problemsOfImages("local", broken, modules)).anyMatch(problem -> problem.contains("nginx:latest"));
    }

    @Test
    void reportsServiceLinkVariablesAndAShortGracePeriod() {
        var broken = Tree.copy(rendered.get("local"));
        var pod = Tree.map(Tree.at(find(broken, "Deployment", "session-service"), "spec", "template", "spec"));
        pod.remove("enableServiceLinks");
        pod.put("terminationGracePeriodSeconds", 30);
        assertThat(problemsOfServiceLinks(broken)).anyMatch(problem -> problem.contains("session-service"));
        assertThat(problemsOfShutdown(broken, modules)).anyMatch(problem -> problem.contains("session-service"));
    }

    // ---------------------------------------------------------------- checks

    static List<String> problemsOfWorkloads(List<Map<String, Object>> objects, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        for (ServiceModule module : modules) {
            var deployment = find(objects, "Deployment", module.name());
            if (deployment == null) {
                problems.add("no Deployment " + module.name());
            } else if (Tree.map(container(deployment)).isEmpty()) {
                problems.add("Deployment " + module.name() + ": no container named " + module.name());
            }
            if (find(objects, "Service", module.name()) == null) {
                problems.add("no Service " + module.name());
            }
        }
        return problems;
    }

    static List<String> problemsOfSchema(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        for (var object : objects) {
            KubernetesSchema.problems(object).forEach(problem -> problems.add(shorten(problem)));
            // the models read a number where the API wants text; the API server would refuse it
            for (String path : List.of("labels", "annotations")) {
                Tree.map(Tree.at(object, "metadata", path)).forEach((key, value) -> {
                    if (!(value instanceof String)) {
                        problems.add(describe(object) + ": " + path + " " + key + " is not a string: " + value);
                    }
                });
            }
            if ("ConfigMap".equals(object.get("kind"))) {
                Tree.map(object.get("data")).forEach((key, value) -> {
                    if (!(value instanceof String)) {
                        problems.add(describe(object) + ": data " + key + " is not a string: " + value);
                    }
                });
            }
            for (var container : containers(object)) {
                for (Object variable : Tree.list(container.get("env"))) {
                    Object value = Tree.map(variable).get("value");
                    if (value != null && !(value instanceof String)) {
                        problems.add(describe(object) + ": env "
                                + Tree.map(variable).get("name") + " is not a string: " + value);
                    }
                }
            }
        }
        if (objects.isEmpty()) {
            problems.add("nothing rendered");
        }
        return problems;
    }

    static List<String> problemsOfServiceSelectors(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        for (var service : ofKind(objects, "Service")) {
            var selector = Tree.map(Tree.at(service, "spec", "selector"));
            if (selector.isEmpty()) {
                problems.add(describe(service) + ": no selector");
                continue;
            }
            var selected = objects.stream()
                    .filter(object -> WORKLOADS.contains(Tree.text(object.get("kind"))))
                    .filter(object -> Objects.equals(namespace(object), namespace(service)))
                    .filter(object -> Tree.map(Tree.at(object, "spec", "template", "metadata", "labels"))
                            .entrySet()
                            .containsAll(selector.entrySet()))
                    .toList();
            if (selected.isEmpty()) {
                problems.add(describe(service) + ": selector " + selector + " matches the pods of no Deployment or"
                        + " StatefulSet");
                continue;
            }
            for (Object port : Tree.list(Tree.at(service, "spec", "ports"))) {
                Object target = Optional.ofNullable(Tree.map(port).get("targetPort"))
                        .orElse(Tree.map(port).get("port"));
                for (var workload : selected) {
                    boolean found = containers(workload).stream()
                            .flatMap(container -> Tree.list(container.get("ports")).stream())
                            .map(Tree::map)
                            .anyMatch(containerPort -> target instanceof String
                                    ? target.equals(containerPort.get("name"))
                                    : Tree.text(target).equals(Tree.text(containerPort.get("containerPort"))));
                    if (!found) {
                        problems.add(
                                describe(service) + ": targetPort " + target + " is no port of " + describe(workload));
                    }
                }
            }
        }
        return problems;
    }

    static List<String> problemsOfProbes(List<Map<String, Object>> objects, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        for (ServiceModule module : modules) {
            var deployment = find(objects, "Deployment", module.name());
            var container = container(deployment);
            if (deployment == null || container.isEmpty()) {
                continue;
            }
            String where = describe(deployment);
            if (!module.probesEnabled()) {
                problems.add(where + ": management.endpoint.health.probes.enabled is not true in its configuration");
            }
            Map<String, String> expected =
                    Map.of("livenessProbe", LIVENESS, "readinessProbe", READINESS, "startupProbe", LIVENESS);
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                var definition = Tree.map(container.get(probe));
                if (definition.isEmpty()) {
                    if (!probe.equals("startupProbe")) {
                        problems.add(where + ": no " + probe);
                    }
                    continue;
                }
                String path = Tree.text(Tree.at(definition, "httpGet", "path"));
                if (!path.equals(expected.get(probe))) {
                    problems.add(where + ": " + probe + " asks " + (path.isEmpty() ? "no HTTP path" : path) + ", not "
                            + expected.get(probe));
                }
                String group = path.substring(path.lastIndexOf('/') + 1);
                boolean groupExists = module.probesEnabled()
                                && Set.of("liveness", "readiness").contains(group)
                        || module.configuration().keySet().stream()
                                .anyMatch(key -> key.startsWith("management.endpoint.health.group." + group + "."));
                if (!groupExists) {
                    problems.add(where + ": " + probe + " asks health group " + group + ", which " + module.name()
                            + "'s configuration does not have");
                }
                Object port = Tree.at(definition, "httpGet", "port");
                boolean portExists = Tree.list(container.get("ports")).stream()
                        .map(Tree::map)
                        .anyMatch(containerPort -> Tree.text(port).equals(Tree.text(containerPort.get("name")))
                                || Tree.text(port).equals(Tree.text(containerPort.get("containerPort"))));
                if (!portExists) {
                    problems.add(where + ": " + probe + " asks port " + port + ", which the container does not have");
                }
            }
            for (String member : module.readinessGroup()) {
                if (!HEALTH_CONTRIBUTORS.contains(member)) {
                    problems.add(module.name() + ": readiness group member " + member + " is not one of "
                            + HEALTH_CONTRIBUTORS);
                }
                if (member.equals("db") && module.database().isEmpty()) {
                    problems.add(module.name() + ": readiness waits for db, but the service has no datasource");
                }
            }
        }
        return problems;
    }

    static List<String> problemsOfImages(
            String overlay, List<Map<String, Object>> objects, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var moduleNames = modules.stream().map(ServiceModule::name).toList();
        for (var workload : objects) {
            for (var container : containers(workload)) {
                String image = Tree.text(container.get("image"));
                boolean ofModule =
                        moduleNames.contains(name(workload)) && name(workload).equals(container.get("name"));
                if (!ofModule) {
                    if (!ComposeFileTests.INFRASTRUCTURE_IMAGES.contains(image)) {
                        problems.add(describe(workload) + ": image " + image + " is neither a module's nor one of "
                                + ComposeFileTests.INFRASTRUCTURE_IMAGES);
                    }
                    continue;
                }
                int colon = image.lastIndexOf(':');
                String repository = colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
                String tag = colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "";
                String imageName = repository.substring(repository.lastIndexOf('/') + 1);
                if (!imageName.equals(name(workload))) {
                    problems.add(describe(workload) + ": image " + image + " does not name module " + name(workload));
                }
                if (tag.isEmpty() || tag.equals("latest")) {
                    problems.add(describe(workload) + ": image " + image + " has no fixed tag");
                }
                if (overlay.equals("prod") && !repository.contains("/")) {
                    problems.add(describe(workload) + ": image " + image + " names no registry");
                }
            }
        }
        return problems;
    }

    static List<String> problemsOfAutoscalers(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        var targets = new TreeSet<String>();
        for (var autoscaler : ofKind(objects, "HorizontalPodAutoscaler")) {
            var reference = Tree.map(Tree.at(autoscaler, "spec", "scaleTargetRef"));
            String target = Tree.text(reference.get("name"));
            targets.add(target);
            var deployment = find(objects, Tree.text(reference.get("kind")), target);
            if (deployment == null
                    || !"apps/v1".equals(reference.get("apiVersion"))
                    || !Objects.equals(namespace(deployment), namespace(autoscaler))) {
                problems.add(describe(autoscaler) + ": scales " + reference + ", which is not rendered");
                continue;
            }
            int min = Integer.parseInt(Tree.text(Optional.ofNullable(Tree.at(autoscaler, "spec", "minReplicas"))
                    .orElse(1)));
            int max = Integer.parseInt(Tree.text(Tree.at(autoscaler, "spec", "maxReplicas")));
            if (min > max) {
                problems.add(describe(autoscaler) + ": minReplicas " + min + " above maxReplicas " + max);
            }
            if (target.equals("session-service") && min < 2) {
                problems.add(describe(autoscaler) + ": fewer than two session nodes leaves nowhere to resume");
            }
            for (Object metric : Tree.list(Tree.at(autoscaler, "spec", "metrics"))) {
                String resource = Tree.text(Tree.at(metric, "resource", "name"));
                if (!resource.isEmpty()
                        && containers(deployment).stream()
                                .anyMatch(container -> Tree.at(container, "resources", "requests", resource) == null)) {
                    problems.add(describe(autoscaler) + ": scales on " + resource + ", which " + target
                            + " does not request");
                }
            }
        }
        if (!targets.equals(new TreeSet<>(AUTOSCALED))) {
            problems.add("autoscaled: " + targets + ", expected " + new TreeSet<>(AUTOSCALED));
        }
        return problems;
    }

    static List<String> problemsOfDisruptionBudgets(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        var session = find(objects, "Deployment", "session-service");
        var sessionLabels = Tree.map(Tree.at(session, "spec", "template", "metadata", "labels"));
        boolean sessionCovered = false;
        for (var budget : ofKind(objects, "PodDisruptionBudget")) {
            var selector = Tree.map(Tree.at(budget, "spec", "selector", "matchLabels"));
            if (selector.isEmpty()) {
                problems.add(describe(budget) + ": no matchLabels");
                continue;
            }
            var selected = objects.stream()
                    .filter(object -> WORKLOADS.contains(Tree.text(object.get("kind"))))
                    .filter(object -> Tree.map(Tree.at(object, "spec", "template", "metadata", "labels"))
                            .entrySet()
                            .containsAll(selector.entrySet()))
                    .toList();
            if (selected.isEmpty()) {
                problems.add(describe(budget) + ": selects no pods");
            }
            if (session != null && selected.contains(session)) {
                sessionCovered = true;
                if (selected.size() > 1) {
                    problems.add(describe(budget) + ": selects more than session-service: "
                            + selected.stream().map(KustomizeTests::describe).toList());
                }
                Object minAvailable = Tree.at(budget, "spec", "minAvailable");
                Object maxUnavailable = Tree.at(budget, "spec", "maxUnavailable");
                if (Objects.equals(Tree.text(maxUnavailable), "0")
                        || minAvailable != null && minAvailable.equals("100%")) {
                    problems.add(describe(budget) + ": allows no disruption at all, a node drain would never finish");
                }
            }
        }
        if (!sessionCovered || sessionLabels.isEmpty()) {
            problems.add("no PodDisruptionBudget selects session-service");
        }
        return problems;
    }

    /** A reference from one object to a ConfigMap or Secret (and one of its keys, where it names one). */
    record Reference(
            String from,
            String kind,
            String name,
            @Nullable String key,
            @Nullable String namespace) {}

    static List<String> problemsOfReferences(List<Map<String, Object>> objects, Set<String> externalSecrets) {
        var problems = new ArrayList<String>();
        for (Reference reference : references(objects)) {
            var target = find(objects, reference.kind(), reference.name());
            if (target == null || !Objects.equals(namespace(target), reference.namespace())) {
                if (!(reference.kind().equals("Secret") && externalSecrets.contains(reference.name()))) {
                    problems.add(reference.from() + ": " + reference.kind() + " " + reference.name()
                            + " is neither rendered nor a documented external Secret (k8s/README.md)");
                }
                continue;
            }
            if (reference.key() != null) {
                var keys = new LinkedHashSet<String>();
                for (String field : List.of("data", "stringData", "binaryData")) {
                    keys.addAll(Tree.map(target.get(field)).keySet());
                }
                if (!keys.contains(reference.key())) {
                    problems.add(reference.from() + ": " + reference.kind() + " " + reference.name() + " has no key "
                            + reference.key() + " (it has " + keys + ")");
                }
            }
        }
        return problems;
    }

    static List<String> problemsOfPodEnvironment(List<Map<String, Object>> objects, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var configServer =
                modules.stream().filter(ServiceModule::configServer).findFirst().orElseThrow();
        var configServerService = find(objects, "Service", configServer.name());
        String configServerUrl = "http://" + configServer.name() + ":"
                + Tree.text(Tree.at(configServerService, "spec", "ports", 0, "port")) + "/config";
        for (ServiceModule module : modules) {
            var deployment = find(objects, "Deployment", module.name());
            var container = container(deployment);
            if (deployment == null || container.isEmpty()) {
                continue;
            }
            String where = describe(deployment);
            var environment = environment(objects, container);
            List<String> profiles = Arrays.stream(
                            Tree.text(environment.get("SPRING_PROFILES_ACTIVE")).split(","))
                    .map(String::trim)
                    .toList();
            if (!profiles.getLast().equals("k8s")) {
                problems.add(where + ": SPRING_PROFILES_ACTIVE " + profiles + " does not end with k8s");
            }
            if (!"metadata.name"
                    .equals(Tree.at(variable(container, "NODE_ID"), "valueFrom", "fieldRef", "fieldPath"))) {
                problems.add(where + ": NODE_ID is not the pod name (fieldRef metadata.name)");
            }
            if (Tree.at(variable(container, "PLATFORM_PASSWORD"), "valueFrom", "secretKeyRef") == null) {
                problems.add(where + ": PLATFORM_PASSWORD does not come from a Secret");
            }
            if (!String.valueOf(module.port()).equals(environment.get("SERVER_PORT"))
                    || !String.valueOf(module.port())
                            .equals(Tree.text(Tree.at(container, "ports", 0, "containerPort")))) {
                problems.add(where + ": SERVER_PORT and containerPort must be the module's port " + module.port());
            }
            if (!module.configServer() && !configServerUrl.equals(environment.get("CONFIG_SERVER_URL"))) {
                problems.add(where + ": CONFIG_SERVER_URL is " + environment.get("CONFIG_SERVER_URL") + ", not "
                        + configServerUrl);
            }
        }
        if (!String.valueOf(configServer.port())
                .equals(Tree.text(Tree.at(configServerService, "spec", "ports", 0, "port")))) {
            problems.add("Service " + configServer.name() + " does not listen on " + configServer.port());
        }
        return problems;
    }

    static List<String> problemsOfDatabasePasswords(List<Map<String, Object>> objects, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var postgres = find(objects, "StatefulSet", "postgres");
        for (ServiceModule module : modules) {
            var container = container(find(objects, "Deployment", module.name()));
            Object secret = Tree.at(variable(container, "DB_PASSWORD"), "valueFrom", "secretKeyRef");
            if (module.database().isEmpty()) {
                if (!variable(container, "DB_PASSWORD").isEmpty()) {
                    problems.add(module.name() + ": DB_PASSWORD, but the service has no database");
                }
                continue;
            }
            if (secret == null) {
                problems.add(module.name() + ": DB_PASSWORD does not come from a Secret");
                continue;
            }
            if (postgres != null) {
                String variable = module.database().orElseThrow().toUpperCase(Locale.ROOT) + "_DB_PASSWORD";
                Object initSecret =
                        Tree.at(variable(container(postgres, "postgres"), variable), "valueFrom", "secretKeyRef");
                if (!Objects.equals(secret, initSecret)) {
                    problems.add(module.name() + ": DB_PASSWORD comes from " + secret
                            + ", postgres creates the role with " + variable + " from " + initSecret);
                }
            }
        }
        return problems;
    }

    static List<String> problemsOfShutdown(List<Map<String, Object>> objects, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        for (ServiceModule module : modules) {
            var deployment = find(objects, "Deployment", module.name());
            var container = container(deployment);
            if (deployment == null || container.isEmpty()) {
                continue;
            }
            List<Object> command = Tree.list(Tree.at(container, "lifecycle", "preStop", "exec", "command"));
            Object sleepAction = Tree.at(container, "lifecycle", "preStop", "sleep", "seconds");
            long preStop;
            if (sleepAction != null) {
                preStop = Long.parseLong(Tree.text(sleepAction));
            } else if (command.size() == 2 && "sleep".equals(command.getFirst())) {
                preStop = Long.parseLong(Tree.text(command.get(1)));
            } else {
                problems.add(describe(deployment) + ": no preStop sleep (" + command + ")");
                continue;
            }
            long grace = Long.parseLong(Tree.text(Optional.ofNullable(
                            Tree.at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds"))
                    .orElse(30)));
            long needed = preStop + module.shutdownPhase().toSeconds() + 5;
            if (module.name().equals("session-service")) {
                needed = Math.max(needed, 60);
            }
            if (grace < needed) {
                problems.add(describe(deployment) + ": terminationGracePeriodSeconds " + grace + " < " + needed
                        + " (preStop " + preStop + " s, Spring's shutdown phase "
                        + module.shutdownPhase().toSeconds()
                        + " s, room to spare)");
            }
        }
        return problems;
    }

    static List<String> problemsOfServiceLinks(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        for (var workload : objects) {
            if (WORKLOADS.contains(Tree.text(workload.get("kind")))
                    && !Boolean.FALSE.equals(Tree.at(workload, "spec", "template", "spec", "enableServiceLinks"))) {
                problems.add(describe(workload) + ": enableServiceLinks is not false (REDIS_PORT=tcp://... would"
                        + " override the port config-repo reads from REDIS_PORT)");
            }
        }
        return problems;
    }

    static List<String> problemsOfConfigServer(List<Map<String, Object>> objects, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var module =
                modules.stream().filter(ServiceModule::configServer).findFirst().orElseThrow();
        var deployment = find(objects, "Deployment", module.name());
        var container = container(deployment);
        String directory = Tree.text(variable(container, "CONFIG_REPO_DIR").get("value"));
        var mount = Tree.list(container.get("volumeMounts")).stream()
                .map(Tree::map)
                .filter(candidate -> directory.equals(candidate.get("mountPath")))
                .findFirst();
        if (directory.isEmpty() || mount.isEmpty()) {
            return List.of(module.name() + ": CONFIG_REPO_DIR (" + directory + ") is not a mounted volume");
        }
        var volume = Tree.list(Tree.at(deployment, "spec", "template", "spec", "volumes")).stream()
                .map(Tree::map)
                .filter(candidate ->
                        Objects.equals(candidate.get("name"), mount.get().get("name")))
                .findFirst();
        String configMapName = Tree.text(
                volume.map(found -> Tree.at(found, "configMap", "name")).orElse(null));
        var configMap = find(objects, "ConfigMap", configMapName);
        if (configMap == null) {
            return List.of(module.name() + ": the volume at " + directory + " is no rendered ConfigMap");
        }
        var data = Tree.map(configMap.get("data"));
        if (!new TreeSet<>(data.keySet()).equals(new TreeSet<>(Repository.configRepoFiles()))) {
            problems.add("ConfigMap " + configMapName + " holds " + new TreeSet<>(data.keySet()) + ", config-repo/ has "
                    + Repository.configRepoFiles());
        }
        for (String file : Repository.configRepoFiles()) {
            if (data.containsKey(file)
                    && !Repository.read("config-repo/" + file).equals(data.get(file))) {
                problems.add("ConfigMap " + configMapName + ": " + file + " differs from config-repo/" + file);
            }
        }
        return problems;
    }

    static List<String> problemsOfIngress(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        var ingresses = ofKind(objects, "Ingress");
        if (ingresses.size() != 1) {
            return List.of(ingresses.size() + " Ingresses, expected one (the gateway's)");
        }
        var ingress = ingresses.getFirst();
        for (String annotation : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            String value =
                    Tree.text(Tree.at(ingress, "metadata", "annotations", "nginx.ingress.kubernetes.io/" + annotation));
            if (!value.matches("\\d+") || Integer.parseInt(value) < 3600) {
                problems.add(describe(ingress) + ": " + annotation + " is " + value + ", idle WebSockets need 3600");
            }
        }
        var backends = new ArrayList<Map<String, Object>>();
        Optional.ofNullable(Tree.at(ingress, "spec", "defaultBackend", "service"))
                .ifPresent(b -> backends.add(Tree.map(b)));
        for (Object rule : Tree.list(Tree.at(ingress, "spec", "rules"))) {
            for (Object path : Tree.list(Tree.at(rule, "http", "paths"))) {
                backends.add(Tree.map(Tree.at(path, "backend", "service")));
            }
        }
        if (backends.isEmpty()) {
            problems.add(describe(ingress) + ": no backend");
        }
        for (var backend : backends) {
            var service = find(objects, "Service", Tree.text(backend.get("name")));
            if (!"gateway-service".equals(backend.get("name")) || service == null) {
                problems.add(describe(ingress) + ": leads to " + backend.get("name") + ", not the gateway's Service");
                continue;
            }
            Object port =
                    Optional.ofNullable(Tree.at(backend, "port", "name")).orElse(Tree.at(backend, "port", "number"));
            boolean portExists = Tree.list(Tree.at(service, "spec", "ports")).stream()
                    .map(Tree::map)
                    .anyMatch(candidate -> Tree.text(port).equals(Tree.text(candidate.get("name")))
                            || Tree.text(port).equals(Tree.text(candidate.get("port"))));
            if (!portExists) {
                problems.add(describe(ingress) + ": port " + port + " is no port of Service gateway-service");
            }
        }
        return problems;
    }

    static List<String> problemsOfNamespace(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        if (find(objects, "Namespace", NAMESPACE) == null) {
            problems.add("no Namespace " + NAMESPACE);
        }
        for (var object : objects) {
            if (!"Namespace".equals(object.get("kind")) && !NAMESPACE.equals(namespace(object))) {
                problems.add(describe(object) + ": namespace " + namespace(object) + ", not " + NAMESPACE);
            }
        }
        return problems;
    }

    /** The local overlay's StatefulSets and Services sit where config-repo/application-k8s.yml expects them. */
    static List<String> problemsOfInfrastructure(List<Map<String, Object>> objects) {
        var problems = new ArrayList<String>();
        var profile = Tree.flatten(Repository.yaml("config-repo/application-k8s.yml"));
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put(
                "postgres",
                placeholderDefault(profile.get("infrastructure.postgres.host")) + ":"
                        + placeholderDefault(profile.get("infrastructure.postgres.port")));
        endpoints.put(
                "redis",
                placeholderDefault(profile.get("infrastructure.redis.host")) + ":"
                        + placeholderDefault(profile.get("infrastructure.redis.port")));
        endpoints.put("kafka", placeholderDefault(profile.get("infrastructure.kafka.bootstrap-servers")));
        String zipkin = placeholderDefault(profile.get("infrastructure.zipkin.endpoint"));
        var zipkinUri = URI.create(zipkin);
        endpoints.put("zipkin", zipkinUri.getHost() + ":" + zipkinUri.getPort());
        for (String name : INFRASTRUCTURE) {
            String endpoint = endpoints.get(name);
            String host = endpoint.substring(0, endpoint.indexOf(':'));
            String port = endpoint.substring(endpoint.indexOf(':') + 1);
            var service = find(objects, "Service", host);
            if (find(objects, "StatefulSet", host) == null) {
                problems.add("no StatefulSet " + host + " (" + name + ")");
            }
            if (service == null
                    || Tree.list(Tree.at(service, "spec", "ports")).stream()
                            .noneMatch(candidate -> port.equals(Tree.text(Tree.at(candidate, "port"))))) {
                problems.add("no Service " + host + " on port " + port + " where the k8s profile looks for " + name);
            }
        }
        return problems;
    }

    /**
     * Where the local overlay runs the local profile too (for its dev tokens), k8s comes after it and sets every
     * infrastructure key that the local profile points at localhost.
     */
    static List<String> problemsOfLocalProfile(List<Map<String, Object>> objects) {
        List<String> profiles = Arrays.stream(
                        Tree.text(environmentConfigMap(objects).get("SPRING_PROFILES_ACTIVE"))
                                .split(","))
                .map(String::trim)
                .toList();
        if (!profiles.contains("local")) {
            return List.of();
        }
        var problems = new ArrayList<String>();
        if (profiles.indexOf("k8s") < profiles.indexOf("local")) {
            problems.add("SPRING_PROFILES_ACTIVE " + profiles + ": k8s must come after local to override it");
        }
        var local = Tree.flatten(Repository.yaml("config-repo/application-local.yml"));
        var k8s = Tree.flatten(Repository.yaml("config-repo/application-k8s.yml"));
        for (String key : local.keySet()) {
            if ((key.startsWith("infrastructure.") || key.equals("eureka.instance.prefer-ip-address"))
                    && !k8s.containsKey(key)) {
                problems.add("application-local.yml sets " + key + " = " + local.get(key)
                        + ", which application-k8s.yml does not override");
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- reading rendered objects

    private void check(BiFunction<String, List<Map<String, Object>>, List<String>> problemsOf) {
        var problems = new ArrayList<String>();
        rendered.forEach((overlay, objects) ->
                problemsOf.apply(overlay, objects).forEach(problem -> problems.add(overlay + ": " + problem)));
        assertThat(problems).isEmpty();
    }

    static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
        return objects.stream()
                .filter(object -> kind.equals(object.get("kind")))
                .toList();
    }

    static @Nullable Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
        return objects.stream()
                .filter(object -> kind.equals(object.get("kind")) && name.equals(name(object)))
                .findFirst()
                .orElse(null);
    }

    static String name(Map<String, Object> object) {
        return Tree.text(Tree.at(object, "metadata", "name"));
    }

    static @Nullable String namespace(Map<String, Object> object) {
        return Tree.string(Tree.at(object, "metadata", "namespace"));
    }

    static String describe(Map<String, Object> object) {
        return Tree.text(object.get("kind")) + " " + name(object);
    }

    /** The containers (init containers included) of a workload's pod template; none for other kinds. */
    static List<Map<String, Object>> containers(@Nullable Map<String, Object> object) {
        var containers = new ArrayList<Map<String, Object>>();
        if (object == null || !WORKLOADS.contains(Tree.text(object.get("kind")))) {
            return containers;
        }
        for (String field : List.of("initContainers", "containers")) {
            Tree.list(Tree.at(object, "spec", "template", "spec", field)).forEach(c -> containers.add(Tree.map(c)));
        }
        return containers;
    }

    /** The container named like the workload (a module's own container); empty if there is none. */
    static Map<String, Object> container(@Nullable Map<String, Object> workload) {
        return workload == null ? Map.of() : container(workload, name(workload));
    }

    static Map<String, Object> container(@Nullable Map<String, Object> workload, String name) {
        return containers(workload).stream()
                .filter(container -> name.equals(container.get("name")))
                .findFirst()
                .orElse(Map.of());
    }

    /** The {@code env} entry of a container named {@code name}; empty if there is none. */
    static Map<String, Object> variable(Map<String, Object> container, String name) {
        return Tree.list(container.get("env")).stream()
                .map(Tree::map)
                .filter(variable -> name.equals(variable.get("name")))
                .findFirst()
                .orElse(Map.of());
    }

    /** What a container's process sees as plain values: its ConfigMaps ({@code envFrom}), then its {@code env}. */
    static Map<String, String> environment(List<Map<String, Object>> objects, Map<String, Object> container) {
        var environment = new LinkedHashMap<String, String>();
        for (Object source : Tree.list(container.get("envFrom"))) {
            String configMap = Tree.text(Tree.at(source, "configMapRef", "name"));
            Tree.map(Tree.at(find(objects, "ConfigMap", configMap), "data"))
                    .forEach((key, value) -> environment.put(key, Tree.text(value)));
        }
        for (Object variable : Tree.list(container.get("env"))) {
            Object value = Tree.map(variable).get("value");
            if (value != null) {
                environment.put(Tree.text(Tree.map(variable).get("name")), Tree.text(value));
            }
        }
        return environment;
    }

    /** The ConfigMap every service reads its environment from (generated as streamchat-environment). */
    static Map<String, Object> environmentConfigMap(List<Map<String, Object>> objects) {
        return ofKind(objects, "ConfigMap").stream()
                .filter(configMap -> name(configMap).startsWith("streamchat-environment"))
                .map(configMap -> Tree.map(configMap.get("data")))
                .findFirst()
                .orElse(Map.of());
    }

    /** Every reference to a ConfigMap or Secret: env, envFrom, volumes, an Ingress's TLS. */
    static List<Reference> references(List<Map<String, Object>> objects) {
        var references = new ArrayList<Reference>();
        for (var object : objects) {
            String from = describe(object);
            String namespace = namespace(object);
            for (var container : containers(object)) {
                for (Object variable : Tree.list(container.get("env"))) {
                    for (String kind : List.of("Secret", "ConfigMap")) {
                        String field = kind.equals("Secret") ? "secretKeyRef" : "configMapKeyRef";
                        var selector = Tree.map(Tree.at(variable, "valueFrom", field));
                        if (!selector.isEmpty() && !Boolean.TRUE.equals(selector.get("optional"))) {
                            references.add(new Reference(
                                    from + " env " + Tree.map(variable).get("name"),
                                    kind,
                                    Tree.text(selector.get("name")),
                                    Tree.text(selector.get("key")),
                                    namespace));
                        }
                    }
                }
                for (Object source : Tree.list(container.get("envFrom"))) {
                    for (String kind : List.of("Secret", "ConfigMap")) {
                        var selector = Tree.map(Tree.at(source, kind.equals("Secret") ? "secretRef" : "configMapRef"));
                        if (!selector.isEmpty() && !Boolean.TRUE.equals(selector.get("optional"))) {
                            references.add(new Reference(
                                    from + " envFrom", kind, Tree.text(selector.get("name")), null, namespace));
                        }
                    }
                }
            }
            for (Object volume : Tree.list(Tree.at(object, "spec", "template", "spec", "volumes"))) {
                var configMap = Tree.map(Tree.at(volume, "configMap"));
                if (!configMap.isEmpty()) {
                    references.add(new Reference(
                            from + " volume " + Tree.map(volume).get("name"),
                            "ConfigMap",
                            Tree.text(configMap.get("name")),
                            null,
                            namespace));
                }
                var secret = Tree.map(Tree.at(volume, "secret"));
                if (!secret.isEmpty()) {
                    references.add(new Reference(
                            from + " volume " + Tree.map(volume).get("name"),
                            "Secret",
                            Tree.text(secret.get("secretName")),
                            null,
                            namespace));
                }
            }
            if ("Ingress".equals(object.get("kind"))) {
                for (Object tls : Tree.list(Tree.at(object, "spec", "tls"))) {
                    references.add(new Reference(
                            from + " tls", "Secret", Tree.text(Tree.at(tls, "secretName")), null, namespace));
                }
            }
        }
        return references;
    }

    /** The Secrets k8s/README.md lists as created outside git (its table rows {@code | `name` | ...}). */
    static Set<String> documentedExternalSecrets() {
        String readme = Repository.read("k8s/README.md");
        int section = readme.indexOf("## Secrets");
        if (section < 0) {
            return Set.of();
        }
        int end = readme.indexOf("\n## ", section + 1);
        String table = readme.substring(section, end < 0 ? readme.length() : end);
        var names = new TreeSet<String>();
        DOCUMENTED_SECRET.matcher(table).results().forEach(match -> names.add(match.group(1)));
        return names;
    }

    static List<String> decodedValues(Map<String, Object> secret) {
        var values = new ArrayList<String>();
        Tree.map(secret.get("data"))
                .values()
                .forEach(value ->
                        values.add(new String(Base64.getDecoder().decode(Tree.text(value)), StandardCharsets.UTF_8)));
        Tree.map(secret.get("stringData")).values().forEach(value -> values.add(Tree.text(value)));
        return values;
    }

    private static String placeholderDefault(@Nullable Object value) {
        var matcher = PLACEHOLDER.matcher(Tree.text(value).trim());
        return matcher.matches() ? matcher.group(1) : Tree.text(value).trim();
    }

    private static String shorten(String problem) {
        return problem.length() > 400 ? problem.substring(0, 400) + "..." : problem;
    }
}
