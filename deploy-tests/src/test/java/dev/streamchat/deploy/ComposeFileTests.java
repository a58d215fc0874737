package dev.streamchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and the Dockerfile, read as files: there is no Docker engine to run them here. Every check is a
 * method that lists what is wrong, tested on the real file and, for the main rules, on a copy broken on purpose.
 */
class ComposeFileTests {

    static final String FILE = "docker-compose.yml";

    /** The infrastructure images, one container each. */
    static final Set<String> INFRASTRUCTURE_IMAGES =
            Set.of("postgres:18", "redis:7", "apache/kafka:4.1.2", "openzipkin/zipkin:3");

    /** Containers per module where one is not enough: two session nodes (sticky routing), two orchestrators. */
    static final Map<String, Integer> INSTANCES = Map.of("session-service", 2, "orchestrator-service", 2);

    static final String RUNTIME_IMAGE = "eclipse-temurin:25-jre";

    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|API_KEY|TOKEN|CREDENTIAL).*");
    private static final Pattern REQUIRED_VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):\\?[^}]+}");
    private static final Pattern OPTIONAL_EMPTY_VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):-}");
    private static final Pattern PLACEHOLDER_DEFAULT = Pattern.compile("^\\$\\{[A-Z0-9_]+:([^}]*)}$");
    private static final Pattern MEMORY =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmg]?)b?", Pattern.CASE_INSENSITIVE);

    private final Map<String, Object> compose = Repository.yaml(FILE);
    private final List<ServiceModule> modules = Repository.serviceModules();

    @Test
    void followsTheComposeSpecificationWithoutAVersionKey() {
        assertThat(compose).doesNotContainKey("version").containsKey("services");
        assertThat(modules)
                .as("service modules found in the aggregator pom")
                .extracting(ServiceModule::name)
                .contains("discovery-service", "gateway-service", "session-service");
    }

    @Test
    void everyServiceModuleRunsWithTheInfrastructureBesideIt() {
        assertThat(problemsOfContainers(compose, modules)).isEmpty();
    }

    @Test
    void everyContainerHasAHealthcheck() {
        assertThat(problemsOfHealthchecks(compose, modules)).isEmpty();
    }

    @Test
    void everyContainerHasAMemoryLimit() {
        assertThat(problemsOfMemoryLimits(compose)).isEmpty();
    }

    @Test
    void everyDependencyWaitsForAHealthyServiceThatExists() {
        assertThat(problemsOfDependencies(compose)).isEmpty();
    }

    @Test
    void everyServiceWaitsForTheInfrastructureItsConfigurationUses() {
        assertThat(problemsOfInfrastructureDependencies(compose, modules)).isEmpty();
    }

    @Test
    void theDockerProfileNamesComposeServices() {
        var services = services(compose);
        assertThat(dockerProfileHosts())
                .as("hosts of config-repo/application-docker.yml")
                .containsKeys("postgres", "redis", "kafka", "zipkin", "discovery")
                .allSatisfy((what, host) ->
                        assertThat(services).as("%s host %s", what, host).containsKey(host));
        String kafkaHost = dockerProfileHosts().get("kafka");
        String bootstrap = placeholderDefault(Tree.text(dockerProfile().get("infrastructure.kafka.bootstrap-servers")));
        assertThat(Tree.text(environment(services.get(kafkaHost)).get("KAFKA_ADVERTISED_LISTENERS")))
                .as("the broker advertises what the docker profile connects to")
                .contains("://" + bootstrap);
    }

    @Test
    void kafkaRunsInKRaftMode() {
        var kafka = services(compose).get(dockerProfileHosts().get("kafka"));
        var environment = environment(kafka);
        assertThat(Tree.text(environment.get("KAFKA_PROCESS_ROLES")))
                .contains("broker")
                .contains("controller");
        assertThat(environment).containsKeys("KAFKA_CONTROLLER_QUORUM_VOTERS", "CLUSTER_ID");
        assertThat(services(compose).keySet()).noneMatch(name -> name.contains("zookeeper"));
    }

    @Test
    void everyModuleImageIsBuiltFromTheOneDockerfileOnAJava25Runtime() {
        assertThat(problemsOfDockerfiles(compose, modules)).isEmpty();
    }

    @Test
    void everyServiceRunsTheDockerProfileAndFindsTheConfigServer() {
        assertThat(problemsOfProfilesAndConfiguration(compose, modules)).isEmpty();
    }

    @Test
    void everyInstanceHasItsOwnNodeId() {
        var nodeIds = new ArrayList<String>();
        services(compose).forEach((name, service) -> {
            // discovery-service does not register in Eureka: no instance id to give it
            if (module(service, modules)
                    .filter(module -> !module.configServer())
                    .isPresent()) {
                nodeIds.add(Tree.text(environment(service).get("NODE_ID")));
            }
        });
        assertThat(nodeIds).isNotEmpty().doesNotContain("").doesNotHaveDuplicates();
    }

    @Test
    void secretsComeOnlyFromTheEnvironment() {
        assertThat(problemsOfSecrets(compose)).isEmpty();
    }

    @Test
    void onlyTheGatewayIsPublishedAndZipkinOnLoopback() {
        assertThat(problemsOfPublishedPorts(compose, modules)).isEmpty();
    }

    @Test
    void postgresCreatesTheDatabaseOfEveryServiceThatHasOne() {
        assertThat(problemsOfDatabases(compose, modules)).isEmpty();
    }

    @Test
    void containersGetTimeToShutDownGracefully() {
        assertThat(problemsOfShutdown(compose, modules)).isEmpty();
    }

    @Test
    void composeItselfAcceptsTheFileAndRefusesMissingSecrets() {
        List<String> composeCommand = composeCommand();
        assumeTrue(
                !composeCommand.isEmpty(),
                "neither docker-compose nor the docker compose plugin is installed: the file was checked by the other"
                        + " tests only (apt-get install docker-compose adds this check)");
        var required = new TreeSet<String>();
        REQUIRED_VARIABLE.matcher(Repository.read(FILE)).results().forEach(m -> required.add(m.group(1)));
        var withSecrets = new HashMap<>(System.getenv());
        required.forEach(variable -> withSecrets.put(variable, "x"));
        var accepted = runCompose(composeCommand, withSecrets);
        assertThat(accepted.exitCode()).as(accepted.output()).isZero();

        var withoutSecrets = new HashMap<>(System.getenv());
        required.forEach(withoutSecrets::remove);
        var refused = runCompose(composeCommand, withoutSecrets);
        assertThat(refused.exitCode()).as("compose config without " + required).isNotZero();
    }

    // ---------------------------------------------------------------- the checks broken on purpose

    @Test
    void reportsAContainerWithoutHealthcheck() {
        var broken = Tree.copy(compose);
        services(broken).get("redis").remove("healthcheck");
        assertThat(problemsOfHealthchecks(broken, modules)).anyMatch(problem -> problem.startsWith("redis:"));
    }

    @Test
    void reportsADependencyThatDoesNotWaitForHealth() {
        var broken = Tree.copy(compose);
        Tree.map(Tree.at(services(broken).get("gateway-service"), "depends_on", "redis"))
                .put("condition", "service_started");
        Tree.map(services(broken).get("gateway-service").get("depends_on")).put("nothing", Map.of());
        assertThat(problemsOfDependencies(broken))
                .anyMatch(problem -> problem.contains("redis") && problem.contains("service_started"))
                .anyMatch(problem -> problem.contains("nothing"));
    }

    @Test
    void reportsADependencyCycle() {
        var broken = Tree.copy(compose);
        services(broken)
                .get("redis")
                .put("depends_on", Map.of("gateway-service", Map.of("condition", "service_healthy")));
        assertThat(problemsOfDependencies(broken)).anyMatch(problem -> problem.contains("cycle"));
    }

    @Test
    void reportsAContainerWithoutMemoryLimit() {
        var broken = Tree.copy(compose);
        services(broken).get("zipkin").remove("mem_limit");
        assertThat(problemsOfMemoryLimits(broken)).anyMatch(problem -> problem.startsWith("zipkin:"));
    }

    @Test
    void reportsAPasswordWrittenIntoTheFile() {
        var broken = Tree.copy(compose);
        environment(services(broken).get("postgres")).put("POSTGRES_PASSWORD", "postgres");
        assertThat(problemsOfSecrets(broken)).anyMatch(problem -> problem.contains("POSTGRES_PASSWORD"));
    }

    @Test
    void reportsAPublishedServicePort() {
        var broken = Tree.copy(compose);
        services(broken).get("session-service-1").put("ports", List.of("8081:8080"));
        assertThat(problemsOfPublishedPorts(broken, modules))
                .anyMatch(problem -> problem.startsWith("session-service-1"));
    }

    @Test
    void reportsAServiceThatDoesNotWaitForItsDatabase() {
        var broken = Tree.copy(compose);
        Tree.map(services(broken).get("orchestrator-service-1").get("depends_on"))
                .remove("postgres");
        assertThat(problemsOfInfrastructureDependencies(broken, modules))
                .anyMatch(problem -> problem.startsWith("orchestrator-service-1") && problem.contains("postgres"));
    }

    @Test
    void reportsADockerfileThatRunsAsRootOnAnotherRuntime() {
        String dockerfile = Repository.read("Dockerfile");
        assertThat(problemsOfDockerfile(dockerfile)).isEmpty();
        String broken = dockerfile
                .replace("USER 10001:10001", "")
                .replace("ARG BASE_IMAGE=" + RUNTIME_IMAGE, "ARG BASE_IMAGE=eclipse-temurin:21-jre");
        assertThat(problemsOfDockerfile(broken))
                .anyMatch(problem -> problem.contains("root"))
                .anyMatch(problem -> problem.contains(RUNTIME_IMAGE));
    }

    @Test
    void reportsAServiceBuiltForAnotherModule() {
        var broken = Tree.copy(compose);
        Tree.map(Tree.at(services(broken).get("recovery-service"), "build", "args"))
                .put("MODULE", "persistence-service");

        assertThat(problemsOfDockerfiles(broken, modules))
                .anyMatch(problem -> problem.startsWith("recovery-service: image streamchat/recovery-service:")
                        && problem.endsWith("is not streamchat/persistence-service:<tag>"));
    }

    // ---------------------------------------------------------------- checks

    static List<String> problemsOfContainers(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var services = services(compose);
        for (ServiceModule module : modules) {
            long containers = services.values().stream()
                    .filter(service ->
                            module(service, modules).filter(module::equals).isPresent())
                    .count();
            int expected = INSTANCES.getOrDefault(module.name(), 1);
            if (containers != expected) {
                problems.add(module.name() + ": " + containers + " containers, expected " + expected);
            }
        }
        var infrastructure = new ArrayList<String>();
        services.forEach((name, service) -> {
            if (module(service, modules).isEmpty()) {
                String image = Tree.text(service.get("image"));
                infrastructure.add(image);
                if (!INFRASTRUCTURE_IMAGES.contains(image)) {
                    problems.add(
                            name + ": image " + image + " is neither a module's nor one of " + INFRASTRUCTURE_IMAGES);
                }
            }
        });
        for (String image : INFRASTRUCTURE_IMAGES) {
            if (!infrastructure.contains(image)) {
                problems.add("no container runs " + image);
            }
        }
        return problems;
    }

    static List<String> problemsOfHealthchecks(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        services(compose).forEach((name, service) -> {
            var healthcheck = Tree.map(service.get("healthcheck"));
            List<Object> test = healthcheck.get("test") instanceof String command
                    ? List.of("CMD-SHELL", command)
                    : Tree.list(healthcheck.get("test"));
            if (healthcheck.isEmpty() || Boolean.TRUE.equals(healthcheck.get("disable")) || test.isEmpty()) {
                problems.add(name + ": no healthcheck");
                return;
            }
            if (!List.of("CMD", "CMD-SHELL").contains(Tree.text(test.getFirst())) || test.size() < 2) {
                problems.add(name + ": healthcheck test must be CMD or CMD-SHELL with a command, not " + test);
            }
            module(service, modules).ifPresent(module -> {
                String command = String.join(" ", test.stream().map(Tree::text).toList());
                if (!command.contains("/actuator/health/readiness")) {
                    problems.add(name + ": healthcheck does not ask /actuator/health/readiness: " + command);
                }
                String port = Tree.text(environment(service).get("SERVER_PORT"));
                if (!command.contains("SERVER_PORT") && !command.contains(":" + module.port() + "/")) {
                    problems.add(name + ": healthcheck does not ask the service's port: " + command);
                }
                if (!port.equals(String.valueOf(module.port()))) {
                    problems.add(name + ": SERVER_PORT " + port + ", the module listens on " + module.port());
                }
                if (!module.probesEnabled()) {
                    problems.add(name + ": management.endpoint.health.probes.enabled is not true in its configuration");
                }
            });
        });
        return problems;
    }

    static List<String> problemsOfMemoryLimits(Map<String, Object> compose) {
        var problems = new ArrayList<String>();
        services(compose).forEach((name, service) -> {
            Object limit = Optional.ofNullable(service.get("mem_limit"))
                    .orElse(Tree.at(service, "deploy", "resources", "limits", "memory"));
            if (limit == null) {
                problems.add(name + ": no memory limit (mem_limit or deploy.resources.limits.memory)");
            } else if (bytes(Tree.text(limit)) < 128L * 1024 * 1024) {
                problems.add(name + ": memory limit " + limit + " is below 128 MiB");
            }
        });
        return problems;
    }

    static List<String> problemsOfDependencies(Map<String, Object> compose) {
        var problems = new ArrayList<String>();
        var services = services(compose);
        var edges = new LinkedHashMap<String, Set<String>>();
        services.forEach((name, service) -> {
            Object dependsOn = service.get("depends_on");
            edges.put(name, new LinkedHashSet<>());
            if (dependsOn instanceof List<?>) {
                problems.add(name + ": depends_on as a list only waits for the start; use condition: service_healthy");
                return;
            }
            Tree.map(dependsOn).forEach((target, condition) -> {
                edges.get(name).add(target);
                String wanted = Tree.text(Tree.at(condition, "condition"));
                if (!"service_healthy".equals(wanted)) {
                    problems.add(name + ": depends on " + target + " with condition "
                            + (wanted.isEmpty() ? "(none)" : wanted) + ", not service_healthy");
                }
                if (!services.containsKey(target)) {
                    problems.add(name + ": depends on " + target + ", which is not a service");
                } else if (Tree.map(services.get(target).get("healthcheck")).isEmpty()) {
                    problems.add(name + ": depends on " + target + ", which has no healthcheck");
                }
            });
        });
        var done = new HashSet<String>();
        for (String start : edges.keySet()) {
            findCycle(start, edges, new ArrayList<>(), done)
                    .ifPresent(cycle -> problems.add("dependency cycle: " + cycle));
        }
        return problems;
    }

    static List<String> problemsOfInfrastructureDependencies(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var hosts = dockerProfileHosts();
        services(compose)
                .forEach((name, service) -> module(service, modules).ifPresent(module -> {
                    var needed = new TreeSet<String>();
                    if (!module.configServer()) {
                        needed.add(hosts.get("discovery"));
                    }
                    module.database().ifPresent(database -> needed.add(hosts.get("postgres")));
                    if (module.usesKafka()) {
                        needed.add(hosts.get("kafka"));
                    }
                    if (module.usesRedis()) {
                        needed.add(hosts.get("redis"));
                    }
                    var dependsOn = Tree.map(service.get("depends_on")).keySet();
                    for (String dependency : needed) {
                        if (!dependsOn.contains(dependency)) {
                            problems.add(
                                    name + ": its configuration uses " + dependency + ", but it does not depend on it");
                        }
                    }
                }));
        return problems;
    }

    static List<String> problemsOfDockerfiles(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        services(compose)
                .forEach((name, service) -> module(service, modules).ifPresent(module -> {
                    String image = Tree.text(service.get("image"));
                    if (!image.startsWith("streamchat/" + module.name() + ":")) {
                        problems.add(name + ": image " + image + " is not streamchat/" + module.name() + ":<tag>");
                    }
                    Object build = service.get("build");
                    String context = Tree.text(Tree.at(build, "context"));
                    if (!Path.of(context).normalize().equals(Path.of(""))) {
                        problems.add(name + ": build context " + context + " is not the repository root (.)");
                    }
                    if (Tree.at(build, "dockerfile") != null) {
                        problems.add(
                                name + ": builds from " + Tree.at(build, "dockerfile") + ", not the one Dockerfile");
                    }
                    var arguments = Tree.map(Tree.at(build, "args"));
                    if (!String.valueOf(module.port()).equals(Tree.text(arguments.get("PORT")))) {
                        problems.add(
                                name + ": build argument PORT is " + arguments.get("PORT") + ", not " + module.port());
                    }
                }));
        problemsOfDockerfile(Repository.read("Dockerfile")).forEach(problem -> problems.add("Dockerfile: " + problem));
        List<String> ignored = Repository.read(".dockerignore")
                .lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .toList();
        if (!ignored.equals(List.of("*", "!*/target/*.jar"))) {
            problems.add(".dockerignore lets in more than the modules' jars: " + ignored);
        }
        return problems;
    }

    /**
     * The one Dockerfile: a module's jar (build argument {@code MODULE}) on a Java 25 runtime (build argument
     * {@code BASE_IMAGE}, by default {@value #RUNTIME_IMAGE}), as a user other than root, in exec form, exposing the
     * port of build argument {@code PORT}.
     */
    static List<String> problemsOfDockerfile(String dockerfile) {
        var problems = new ArrayList<String>();
        List<String> instructions = instructions(dockerfile);
        if (!instructions.contains("ARG BASE_IMAGE=" + RUNTIME_IMAGE)) {
            problems.add("the base image does not default to " + RUNTIME_IMAGE);
        }
        String lastFrom = last(instructions, "FROM ");
        if (!lastFrom.equals("${BASE_IMAGE}")) {
            problems.add("the image does not run on the base image: FROM " + lastFrom);
        }
        if (instructions.stream()
                .noneMatch(line -> line.matches("COPY\\s+\\$\\{MODULE}/target/\\$\\{MODULE}\\.jar\\s.*"))) {
            problems.add("the Dockerfile does not copy ${MODULE}/target/${MODULE}.jar");
        }
        String user = last(instructions, "USER ");
        if (user.isEmpty()
                || user.equals("root")
                || user.equals("0")
                || user.startsWith("0:")
                || user.startsWith("root:")) {
            problems.add("the Dockerfile runs as root (USER " + (user.isEmpty() ? "not set" : user) + ")");
        }
        String entrypoint = last(instructions, "ENTRYPOINT ");
        if (!entrypoint.startsWith("[") || !entrypoint.contains(".jar\"")) {
            problems.add("ENTRYPOINT is not the exec form running the jar: " + entrypoint);
        }
        if (!instructions.contains("EXPOSE ${PORT}")) {
            problems.add("the Dockerfile does not EXPOSE ${PORT}");
        }
        return problems;
    }

    static List<String> problemsOfProfilesAndConfiguration(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var configServer =
                modules.stream().filter(ServiceModule::configServer).findFirst().orElseThrow();
        String configServerUrl =
                "http://" + dockerProfileHosts().get("discovery") + ":" + configServer.port() + "/config";
        services(compose)
                .forEach((name, service) -> module(service, modules).ifPresent(module -> {
                    var environment = environment(service);
                    if (!"docker".equals(environment.get("SPRING_PROFILES_ACTIVE"))) {
                        problems.add(name + ": SPRING_PROFILES_ACTIVE is " + environment.get("SPRING_PROFILES_ACTIVE")
                                + ", not docker");
                    }
                    if (module.configServer()) {
                        String directory = Tree.text(environment.get("CONFIG_REPO_DIR"));
                        var volumes = Tree.list(service.get("volumes")).stream()
                                .map(Tree::text)
                                .toList();
                        if (directory.isEmpty() || !volumes.contains("./config-repo:" + directory + ":ro")) {
                            problems.add(name + ": config-repo/ is not mounted read-only at CONFIG_REPO_DIR ("
                                    + directory + "): " + volumes);
                        }
                    } else if (!configServerUrl.equals(environment.get("CONFIG_SERVER_URL"))) {
                        problems.add(name + ": CONFIG_SERVER_URL is " + environment.get("CONFIG_SERVER_URL") + ", not "
                                + configServerUrl);
                    }
                }));
        return problems;
    }

    static List<String> problemsOfSecrets(Map<String, Object> compose) {
        var problems = new ArrayList<String>();
        services(compose).forEach((name, service) -> {
            if (service.containsKey("env_file")) {
                problems.add(name + ": env_file: secrets come from the environment (or an uncommitted .env)");
            }
            environment(service).forEach((key, value) -> {
                if (!SECRET_NAME.matcher(key).matches()) {
                    return;
                }
                String text = Tree.text(value);
                boolean required = REQUIRED_VARIABLE.matcher(text).matches();
                boolean optionalEmpty = OPTIONAL_EMPTY_VARIABLE.matcher(text).matches();
                if (key.contains("PASSWORD") ? !required : !(required || optionalEmpty)) {
                    problems.add(name + ": " + key + " must be "
                            + (key.contains("PASSWORD") ? "${VAR:?message}" : "${VAR:?message} or ${VAR:-}") + ", not "
                            + text);
                }
            });
        });
        return problems;
    }

    static List<String> problemsOfPublishedPorts(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var services = services(compose);
        services.forEach((name, service) -> {
            var ports = Tree.list(service.get("ports")).stream().map(Tree::text).toList();
            if (ports.isEmpty()) {
                return;
            }
            var module = module(service, modules);
            if (module.filter(m -> m.name().equals("gateway-service")).isPresent()) {
                if (ports.size() != 1
                        || !ports.getFirst().endsWith(":" + module.get().port())) {
                    problems.add(name + ": publish the gateway's port "
                            + module.get().port() + " only, not " + ports);
                }
            } else if ("zipkin".equals(name)) {
                if (!ports.stream().allMatch(port -> port.startsWith("127.0.0.1:"))) {
                    problems.add(
                            name + ": the Zipkin UI has no authentication, publish it on 127.0.0.1 only: " + ports);
                }
            } else {
                problems.add(name + ": publishes " + ports + "; only the gateway (and Zipkin on loopback) may");
            }
        });
        if (services.values().stream()
                .noneMatch(service -> module(service, modules)
                                .filter(m -> m.name().equals("gateway-service"))
                                .isPresent()
                        && !Tree.list(service.get("ports")).isEmpty())) {
            problems.add("the gateway is not published");
        }
        return problems;
    }

    static List<String> problemsOfDatabases(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        var services = services(compose);
        var postgres = services.get(dockerProfileHosts().get("postgres"));
        if (postgres == null) {
            return List.of("no postgres service");
        }
        String initScript = Tree.list(postgres.get("volumes")).stream()
                .map(Tree::text)
                .filter(volume -> volume.contains(":/docker-entrypoint-initdb.d/"))
                .map(volume -> volume.substring(0, volume.indexOf(':')))
                .findFirst()
                .orElse("");
        if (initScript.isEmpty() || !Files.isRegularFile(Repository.path(initScript))) {
            return List.of("postgres: no init script mounted into /docker-entrypoint-initdb.d (" + initScript + ")");
        }
        String script = Repository.read(initScript);
        var scriptDatabases = new TreeSet<String>();
        Pattern.compile("(?m)^create_service_database (\\w+) ")
                .matcher(script)
                .results()
                .forEach(m -> scriptDatabases.add(m.group(1)));
        var moduleDatabases = new TreeSet<String>();
        for (ServiceModule module : modules) {
            module.database().ifPresent(moduleDatabases::add);
        }
        if (!scriptDatabases.equals(moduleDatabases)) {
            problems.add(initScript + " creates " + scriptDatabases + ", the services have " + moduleDatabases);
        }
        for (String database : moduleDatabases) {
            String variable = database.toUpperCase(Locale.ROOT) + "_DB_PASSWORD";
            if (!script.contains("create_service_database " + database + " \"${" + variable + ":?")) {
                problems.add(initScript + ": the password of " + database + " does not come from " + variable);
            }
            if (!REQUIRED_VARIABLE
                            .matcher(Tree.text(environment(postgres).get(variable)))
                            .matches()
                    || !Tree.text(environment(postgres).get(variable)).startsWith("${" + variable + ":?")) {
                problems.add("postgres: " + variable + " is not ${" + variable + ":?...}");
            }
        }
        services.forEach((name, service) -> module(service, modules).ifPresent(module -> {
            String password = Tree.text(environment(service).get("DB_PASSWORD"));
            Optional<String> database = module.database();
            if (database.isEmpty() && !password.isEmpty()) {
                problems.add(name + ": DB_PASSWORD, but the service has no database");
            }
            database.ifPresent(db -> {
                String variable = db.toUpperCase(Locale.ROOT) + "_DB_PASSWORD";
                if (!password.startsWith("${" + variable + ":?")) {
                    problems.add(name + ": DB_PASSWORD is " + password + ", not ${" + variable + ":?...}");
                }
                if (!Tree.map(service.get("depends_on"))
                        .containsKey(dockerProfileHosts().get("postgres"))) {
                    problems.add(name + ": has a database but does not depend on postgres");
                }
            });
        }));
        return problems;
    }

    static List<String> problemsOfShutdown(Map<String, Object> compose, List<ServiceModule> modules) {
        var problems = new ArrayList<String>();
        services(compose)
                .forEach((name, service) -> module(service, modules).ifPresent(module -> {
                    Duration wanted = module.shutdownPhase().plusSeconds(10);
                    String grace = Tree.text(service.get("stop_grace_period"));
                    Duration given = grace.isEmpty() ? Duration.ofSeconds(10) : Durations.parse(grace);
                    if (given.compareTo(wanted) < 0) {
                        problems.add(name + ": stop_grace_period " + given.toSeconds()
                                + "s; Spring's shutdown phase of "
                                + module.shutdownPhase().toSeconds() + "s needs at least " + wanted.toSeconds() + "s");
                    }
                }));
        return problems;
    }

    // ---------------------------------------------------------------- reading the file

    static Map<String, Map<String, Object>> services(Map<String, Object> compose) {
        var services = new LinkedHashMap<String, Map<String, Object>>();
        Tree.map(compose.get("services")).forEach((name, service) -> services.put(name, Tree.map(service)));
        return services;
    }

    /** The module a container runs: the one its build context is (./{@code <module>}). */
    static Optional<ServiceModule> module(@Nullable Map<String, Object> service, List<ServiceModule> modules) {
        if (service == null) {
            return Optional.empty();
        }
        Object build = service.get("build");
        if (build == null) {
            return Optional.empty();
        }
        // the one Dockerfile builds the module its build argument names
        String built = Tree.text(Tree.at(build, "args", "MODULE"));
        return modules.stream().filter(module -> module.name().equals(built)).findFirst();
    }

    /** A container's environment as a mutable map, whether written as a map or as {@code KEY=VALUE} lines. */
    static Map<String, Object> environment(@Nullable Map<String, Object> service) {
        if (service == null) {
            return new LinkedHashMap<>();
        }
        Object environment = service.get("environment");
        if (environment instanceof List<?> lines) {
            var map = new LinkedHashMap<String, Object>();
            for (Object line : lines) {
                String text = Tree.text(line);
                int equals = text.indexOf('=');
                map.put(equals < 0 ? text : text.substring(0, equals), equals < 0 ? "" : text.substring(equals + 1));
            }
            service.put("environment", map);
            return map;
        }
        if (environment == null) {
            var map = new LinkedHashMap<String, Object>();
            service.put("environment", map);
            return map;
        }
        return Tree.map(environment);
    }

    /** config-repo/application-docker.yml, flattened. */
    static Map<String, Object> dockerProfile() {
        return Tree.flatten(Repository.yaml("config-repo/application-docker.yml"));
    }

    /** The host of each piece of infrastructure in the docker profile (the defaults of its placeholders). */
    static Map<String, String> dockerProfileHosts() {
        var profile = dockerProfile();
        var hosts = new LinkedHashMap<String, String>();
        hosts.put("postgres", placeholderDefault(Tree.text(profile.get("infrastructure.postgres.host"))));
        hosts.put("redis", placeholderDefault(Tree.text(profile.get("infrastructure.redis.host"))));
        String kafka = placeholderDefault(Tree.text(profile.get("infrastructure.kafka.bootstrap-servers")));
        hosts.put("kafka", kafka.contains(":") ? kafka.substring(0, kafka.indexOf(':')) : kafka);
        String zipkin = placeholderDefault(Tree.text(profile.get("infrastructure.zipkin.endpoint")));
        hosts.put(
                "zipkin",
                zipkin.isEmpty()
                        ? ""
                        : Optional.ofNullable(URI.create(zipkin).getHost()).orElse(""));
        hosts.put("discovery", placeholderDefault(Tree.text(profile.get("infrastructure.discovery.host"))));
        return hosts;
    }

    /** {@code ${NAME:default}} gives {@code default}; anything else is returned as it is. */
    static String placeholderDefault(String value) {
        var matcher = PLACEHOLDER_DEFAULT.matcher(value.trim());
        return matcher.matches() ? matcher.group(1) : value.trim();
    }

    static long bytes(String size) {
        var matcher = MEMORY.matcher(size.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a memory size: " + size);
        }
        double amount = Double.parseDouble(matcher.group(1));
        long unit = switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 1024L;
            case "m" -> 1024L * 1024;
            case "g" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return (long) (amount * unit);
    }

    /** A Dockerfile's instructions, one per entry: continuation lines joined, comments and blank lines left out. */
    static List<String> instructions(String dockerfile) {
        var instructions = new ArrayList<String>();
        var current = new StringBuilder();
        for (String line : dockerfile.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            instructions.add(current.toString().replaceAll("\\s+", " "));
            current.setLength(0);
        }
        return instructions;
    }

    /** The argument of the last instruction that starts with {@code keyword}, or {@code ""}. */
    private static String last(List<String> instructions, String keyword) {
        return instructions.stream()
                .filter(line -> line.startsWith(keyword))
                .reduce((first, second) -> second)
                .map(line -> line.substring(keyword.length()).trim())
                .orElse("");
    }

    private static Optional<String> findCycle(
            String node, Map<String, Set<String>> edges, List<String> path, Set<String> done) {
        if (path.contains(node)) {
            var cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            cycle.add(node);
            return Optional.of(String.join(" -> ", cycle));
        }
        if (done.contains(node)) {
            return Optional.empty();
        }
        path.add(node);
        for (String next : edges.getOrDefault(node, Set.of())) {
            var cycle = findCycle(next, edges, path, done);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        path.removeLast();
        done.add(node);
        return Optional.empty();
    }

    // ---------------------------------------------------------------- the compose CLI, where there is one

    /** {@code docker-compose} (Debian's 1.29 or a newer standalone), else {@code docker compose}; empty if neither. */
    private static List<String> composeCommand() {
        for (List<String> candidate : List.of(List.of("docker-compose"), List.of("docker", "compose"))) {
            var version = new ArrayList<>(candidate);
            version.add("version");
            try {
                if (run(version, System.getenv()).exitCode() == 0) {
                    return candidate;
                }
            } catch (UncheckedIOException e) {
                // not installed
            }
        }
        return List.of();
    }

    private static Command runCompose(List<String> composeCommand, Map<String, String> environment) {
        var command = new ArrayList<>(composeCommand);
        command.addAll(List.of("--file", Repository.path(FILE).toString(), "config", "--quiet"));
        return run(command, environment);
    }

    private static Command run(List<String> command, Map<String, String> environment) {
        return Command.run(command, Repository.ROOT, environment);
    }
}
