package dev.streamchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus/ and deploy/grafana/ read as files, and the Prometheus files also by Debian's {@code promtool}
 * ({@code .ci/run} installs it with the {@code prometheus} package; without it those tests are skipped, saying so).
 * That the metrics they name are the ones the running services export is checked end to end
 * ({@code ObservabilityE2ETests}).
 */
class MonitoringTests {

    static final String PROMETHEUS = "deploy/prometheus/prometheus.yml";
    static final String ALERTS = "deploy/prometheus/alerts.yml";
    static final String ALERT_TESTS = "deploy/prometheus/alerts-tests.yml";
    static final String DASHBOARD = "deploy/grafana/streamchat.json";

    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @Test
    void promtoolAcceptsTheConfigurationAndTheRules() {
        assumePromtool();
        var config = promtool(
                "check", "config", "--syntax-only", Repository.path(PROMETHEUS).toString());
        assertThat(config.exitCode()).as(config.output()).isZero();
        var rules = promtool("check", "rules", Repository.path(ALERTS).toString());
        assertThat(rules.exitCode()).as(rules.output()).isZero();
    }

    @Test
    void everyAlertFiresAndStaysQuietAsItsUnitTestsSay() {
        assumePromtool();
        var tests = promtool("test", "rules", Repository.path(ALERT_TESTS).toString());
        assertThat(tests.exitCode()).as(tests.output()).isZero();
        assertThat(tests.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTestInWhichItFires() {
        assertThat(problemsOfAlertTests(Repository.yaml(ALERTS), Repository.yaml(ALERT_TESTS)))
                .isEmpty();
    }

    @Test
    void anAlertWithoutATestInWhichItFiresIsReported() {
        var tests = Repository.yaml(ALERT_TESTS);
        for (Object test : Tree.list(tests.get("tests"))) {
            for (Object expectation : Tree.list(Tree.map(test).get("alert_rule_test"))) {
                if ("StreamchatResumesFailing".equals(Tree.map(expectation).get("alertname"))) {
                    Tree.map(expectation).put("exp_alerts", List.of());
                }
            }
        }

        assertThat(problemsOfAlertTests(Repository.yaml(ALERTS), tests))
                .containsExactly("StreamchatResumesFailing never fires in alerts-tests.yml");
    }

    @Test
    void theScrapeConfigurationReadsTheAlertRulesAndEveryServiceThroughEureka() {
        Map<String, Object> prometheus = Repository.yaml(PROMETHEUS);

        assertThat(Tree.list(prometheus.get("rule_files"))).containsExactly("alerts.yml");
        var jobs = Tree.list(prometheus.get("scrape_configs")).stream()
                .map(Tree::map)
                .toList();
        assertThat(jobs).allSatisfy(job -> {
            assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus");
            assertThat(Tree.at(job, "basic_auth", "username")).isEqualTo("platform");
        });
        assertThat(jobs)
                .anySatisfy(job -> assertThat(Tree.text(
                                Tree.at(Tree.list(job.get("eureka_sd_configs")).getFirst(), "server")))
                        .isEqualTo("http://discovery-service:8761/eureka"));
    }

    @Test
    void everyDashboardPanelQueriesTheChosenPrometheus() {
        assertThat(problemsOfDashboard(Repository.yaml(DASHBOARD))).isEmpty();
    }

    @Test
    void aPanelWithoutAQueryOrWithAnotherDatasourceIsReported() {
        Map<String, Object> dashboard = Repository.yaml(DASHBOARD);
        var panels = Tree.list(dashboard.get("panels")).stream()
                .map(Tree::map)
                .filter(panel -> !"row".equals(panel.get("type")))
                .toList();
        panels.get(0).put("targets", List.of());
        Tree.map(panels.get(1).get("datasource")).put("uid", "some-other-prometheus");
        panels.get(2).put("id", panels.get(3).get("id"));

        assertThat(problemsOfDashboard(dashboard)).hasSize(3);
    }

    static List<String> problemsOfAlertTests(Map<String, Object> alerts, Map<String, Object> tests) {
        var problems = new ArrayList<String>();
        Set<String> firing = new HashSet<>();
        for (Object test : Tree.list(tests.get("tests"))) {
            for (Object expectation : Tree.list(Tree.map(test).get("alert_rule_test"))) {
                if (!Tree.list(Tree.map(expectation).get("exp_alerts")).isEmpty()) {
                    firing.add(Tree.text(Tree.map(expectation).get("alertname")));
                }
            }
        }
        for (Object group : Tree.list(alerts.get("groups"))) {
            for (Object rule : Tree.list(Tree.map(group).get("rules"))) {
                String name = Tree.text(Tree.map(rule).get("alert"));
                if (!firing.contains(name)) {
                    problems.add(name + " never fires in alerts-tests.yml");
                }
                if (Tree.at(rule, "labels", "severity") == null) {
                    problems.add(name + " has no severity");
                }
                if (Tree.at(rule, "annotations", "summary") == null) {
                    problems.add(name + " has no summary");
                }
            }
        }
        return problems;
    }

    static List<String> problemsOfDashboard(Map<String, Object> dashboard) {
        var problems = new ArrayList<String>();
        var variables = Tree.list(Tree.at(dashboard, "templating", "list")).stream()
                .map(Tree::map)
                .filter(variable ->
                        "datasource".equals(variable.get("type")) && "prometheus".equals(variable.get("query")))
                .map(variable -> "${" + variable.get("name") + "}")
                .toList();
        if (variables.size() != 1) {
            problems.add("the dashboard should have one Prometheus datasource variable, has " + variables);
            return problems;
        }
        Set<Object> ids = new HashSet<>();
        for (Object node : Tree.list(dashboard.get("panels"))) {
            var panel = Tree.map(node);
            String title = Tree.text(panel.get("title"));
            if (!ids.add(panel.get("id"))) {
                problems.add(title + ": id " + panel.get("id") + " is taken");
            }
            if ("row".equals(panel.get("type"))) {
                continue;
            }
            if (!variables.getFirst().equals(Tree.at(panel, "datasource", "uid"))) {
                problems.add(title + ": not on the dashboard's Prometheus variable");
            }
            var targets = Tree.list(panel.get("targets"));
            if (targets.isEmpty()) {
                problems.add(title + ": no query");
            }
            for (Object target : targets) {
                if (Tree.string(Tree.map(target).get("expr")) == null) {
                    problems.add(title + ": a target without an expression");
                }
            }
        }
        return problems;
    }

    private static void assumePromtool() {
        assumeTrue(
                Files.isExecutable(PROMTOOL),
                "promtool is not installed here (apt-get install prometheus): the Prometheus files were checked as"
                        + " data only");
    }

    private static Command promtool(String... arguments) {
        var command = new ArrayList<String>();
        command.add(PROMTOOL.toString());
        command.addAll(List.of(arguments));
        return Command.run(command, Repository.path("deploy/prometheus"), System.getenv());
    }
}
