package dev.streamchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamchat.bench.Options;
import dev.streamchat.bench.fault.FaultSuite;
import dev.streamchat.bench.gatling.GatlingRun;
import dev.streamchat.bench.report.Report;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every benchmark of the bench module at tiny sizes against the shared stack, so that none of them rots: each must
 * run, measure something, and lose or repeat nothing. The figures of these runs mean nothing (the stack runs C1
 * only and tests share it); the benchmarks' own command gives the real ones.
 */
@ExtendWith(SharedStack.class)
@Order(25)
class BenchSmokeE2ETests {

    private static final Path OUT = Path.of("target", "bench-smoke").toAbsolutePath();

    private final Target target;

    BenchSmokeE2ETests(LocalStack stack) {
        this.target = new Target(stack);
    }

    @Test
    void throughputMeasuresChunksLatencyAndPersistenceLag() {
        Report report =
                run(new Throughput(), Map.of("streams", "4", "chunks", "20", "intervals", "0,2", "warmup", "0"));

        assertThat(report.figure("cadence0ms.exactStreams")).isEqualTo(4L);
        assertThat(report.figure("cadence2ms.chunkLatency.count")).isEqualTo(80L);
        assertThat((double) report.figure("cadence0ms.chunksPerSecond")).isPositive();
        assertThat((double) report.figure("cadence2ms.persistenceLagMs")).isNotNegative();
    }

    @Test
    void gatewayOverheadComparesDirectAndGateway() {
        Report report = run(new GatewayOverhead(), Map.of("streams", "3", "chunks", "20", "rounds", "1"));

        assertThat(report.figure("direct.chunkLatency.count")).isEqualTo(60L);
        assertThat(report.figure("gateway.chunkLatency.count")).isEqualTo(60L);
        assertThat(report.figure("ratio.p50")).isNotNull();
    }

    @Test
    void resumeMeasuresEveryTier() {
        Report report = run(
                new Resume(),
                Map.of("streams", "4", "chunks", "40", "interval", "10", "quiet-resumes", "3", "warmup", "0"));

        assertThat(report.figure("underLoad.resumes")).isEqualTo(4L);
        assertThat(report.figure("underLoad.onAnotherNode")).isEqualTo(4L);
        assertThat(report.figure("quietHotLog.resume.count")).isEqualTo(3L);
        assertThat(report.figure("quietDatabase.resume.count")).isEqualTo(3L);
        assertThat(report.figure("quietCache.resume.count")).isEqualTo(3L);
    }

    @Test
    void theReconnectStormResumesEveryClientOfTheKilledNode() {
        Report report = run(new ReconnectStorm(), Map.of("clients", "6", "chunks", "150", "interval", "40"));

        assertThat(report.figure("resumed")).isEqualTo(report.figure("clientsOnKilledNode"));
        assertThat(report.figure("exactStreams")).isEqualTo(6L);
        assertThat(target.unhealthyInstances()).isEmpty();
    }

    @Test
    void repeatRunsOneWorkloadAgainAndComparesTheLastRunWithTheFirst() {
        Report report = run(
                new Repeat(),
                Map.of("runs", "2", "warmup", "1", "streams", "3", "chunks", "40", "interval", "5", "pause", "0"));

        assertThat(report.figure("warmup1.exactStreams")).isEqualTo(3L);
        assertThat(report.figure("run1.exactStreams")).isEqualTo(3L);
        assertThat(report.figure("run2.exactStreams")).isEqualTo(3L);
        assertThat(report.figure("run2.resume.count")).isEqualTo(3L);
        assertThat((double) report.figure("lastVsFirst.chunksPerSecond")).isPositive();
    }

    @Test
    @SuppressWarnings("unchecked")
    void soakReportsEveryStepWithTheLagOfTheDurablePathAndTheHeapOfEveryService() {
        Report report = run(
                new Soak(),
                Map.of("seconds", "12", "step-seconds", "6", "streams", "2", "chunks", "40", "interval", "5"));

        var steps = (List<Map<String, Object>>) report.figure("perMinute");
        assertThat(steps).hasSize(2);
        assertThat(steps).allSatisfy(step -> {
            assertThat((double) step.get("chunksPerSecond")).isPositive();
            assertThat((double) step.get("durableLagMaxS")).isNotNegative();
            assertThat((double) step.get("liveDelayMaxS")).isNotNegative();
            assertThat((Map<String, Object>) step.get("dbConnectionsActiveMax")).containsKey("persistence-service");
            assertThat((Map<String, Object>) step.get("dbConnectionsPendingMax"))
                    .containsKey("persistence-service");
            assertThat((Map<String, Object>) step.get("groupLagRecords")).containsKey("persistence-service");
            assertThat((Map<String, Object>) step.get("oldGenAfterGcPercent"))
                    .containsKeys("session-service-1", "persistence-service");
            assertThat((double) step.get("redisMb")).isPositive();
        });
        assertThat((long) report.figure("streams")).isEqualTo(report.figure("exactStreams"));
    }

    @Test
    void hostileFramesOnLiveConnectionsChangeNothing() {
        Report report = run(
                new FaultSuite(), Map.of("streams", "4", "chunks", "100", "interval", "20", "only", "hostile-frames"));

        assertThat(report.figure("hostile-frames.affected")).isEqualTo(4);
        assertThat(report.figure("hostile-frames.resumedExact")).isEqualTo(4);
        assertThat((long) report.figure("hostile-frames.protocolErrors")).isPositive();
        assertThat(report.figure("hostile-frames.unhealthyAfter")).asList().isEmpty();
    }

    @Test
    void aNoisyNeighbourGetsEveryRefusalAndCostsTheOtherUsersNothing() {
        Report report = run(
                new FaultSuite(), Map.of("streams", "4", "chunks", "300", "interval", "20", "only", "noisy-neighbour"));

        // the fault's own findings (a refusal missing, another user's answer reaching her) are failures of the report
        assertThat(report.figure("noisy-neighbour.affected")).isEqualTo(4);
        assertThat(report.figure("noisy-neighbour.resumedExact")).isEqualTo(4);
        assertThat(report.figure("noisy-neighbour.unhealthyAfter")).asList().isEmpty();
    }

    @Test
    void aFrozenRedisOnlyDelaysTheAnswers() {
        Report report = run(
                new FaultSuite(),
                Map.of("streams", "4", "chunks", "600", "interval", "25", "only", "redis-frozen-10-s"));

        assertThat(report.figure("redis-frozen-10-s.resumedExact")).isEqualTo(4);
        // the clients felt the freeze (no chunk for seconds), and yet every answer ended whole
        assertThat((double) report.figure("redis-frozen-10-s.longestStallMs")).isGreaterThan(5_000.0);
        assertThat(report.figure("redis-frozen-10-s.unhealthyAfter")).asList().isEmpty();
    }

    @Test
    void anOrchestratorCutOffFromRedisHasItsAnswersEndedByAnotherAndWritesNothingPastTheirEnd() {
        // sixteen answers over the two orchestrators; those of orchestrator-service-1 outlive its lease while its link
        // to Redis is frozen: the other instance ends them as INTERRUPTED, and when the link thaws the generations
        // of orchestrator-service-1 must stop there (before the fence, PostgreSQL got chunks past those ends)
        String fault = "orchestrator-1-to-redis-frozen-15-s";
        Report report =
                run(new FaultSuite(), Map.of("streams", "16", "chunks", "800", "interval", "25", "only", fault));

        assertThat((int) report.figure(fault + ".affected")).isPositive();
        assertThat(report.figure(fault + ".resumedExact")).isEqualTo(report.figure(fault + ".affected"));
        assertThat((long) report.figure(fault + ".interrupted")).isPositive();
        assertThat(report.figure(fault + ".rowsBeyondEnd")).isEqualTo(0L);
        assertThat(report.figure(fault + ".unhealthyAfter")).asList().isEmpty();
    }

    @Test
    void theGatlingSimulationRunsAndWritesItsReport() {
        Report report = run(
                new GatlingRun(),
                Map.of(
                        "users", "2",
                        "ramp-seconds", "1",
                        "chunks", "5",
                        "interval", "5",
                        "gatling-results", OUT.resolve("gatling").toString()));

        assertThat(report.figure("gatlingExitCode")).isEqualTo(0);
        assertThat(Path.of(String.valueOf(report.figure("htmlReport")))).exists();
    }

    @Test
    void thePeerComparisonRunsTheSameWorkloadHereAndOnThePeers() {
        assumeTrue(
                onPath("node") && onPath("npm"),
                "Node.js and npm are not installed: the peer drivers (bench/peers) cannot run; .ci/run installs them");
        Report report = run(new Peers(), Map.of("streams", "4", "chunks", "20", "cadences", "5"));

        assertThat(report.figure("cadence5ms.streamchat.exactStreams")).isEqualTo(4L);
        assertThat(report.figure("cadence5ms.resumable-stream.resumes")).isEqualTo(4);
        assertThat(report.figure("cadence5ms.socketio.resumes")).isEqualTo(4);
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(directory -> Files.isExecutable(Path.of(directory, command)));
    }

    private Report run(Scenario scenario, Map<String, String> options) {
        Report report = scenario.run(target, new Options(options));
        Path written = report.write(OUT);
        System.out.println("Bench smoke: " + report.text().replaceAll("\\s+", " "));
        assertThat(written).satisfies(file -> assertThat(Files.size(file)).isPositive());
        assertThat(report.clean())
                .as("failures %s in %s", report.failureSamples(), report.text())
                .isTrue();
        return report;
    }
}
