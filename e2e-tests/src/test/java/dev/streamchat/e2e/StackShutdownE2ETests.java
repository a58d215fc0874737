package dev.streamchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.process.Ports;
import dev.streamchat.launcher.process.Processes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs after every other end-to-end class (see junit-platform.properties): stopping the stack leaves no process of
 * ours and no port taken, so that the next ./chat up starts cleanly.
 */
@Order(Integer.MAX_VALUE)
@ExtendWith(SharedStack.class)
class StackShutdownE2ETests {

    @Test
    void stoppingTheStackLeavesNothingRunning(LocalStack stack) {
        var settings = stack.settings();
        List<Long> started = new ArrayList<>(List.of(
                stack.postgres().pid().orElseThrow(),
                stack.redis().pid(),
                stack.kafka().pid(),
                stack.zipkin().pid()));
        settings.services()
                .forEach(s -> started.add(stack.service(s.instanceId()).pid()));
        String marker = settings.runDirectory() + "/";
        // every process of the stack carries the run folder in its command line, so none can be missed
        assertThat(Processes.withMarkerInCommandLine(marker))
                .extracting(ProcessHandle::pid)
                .containsAll(started);

        stack.close();

        assertThat(started)
                .noneMatch(
                        pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertThat(Processes.withMarkerInCommandLine(marker)).isEmpty();
        assertThat(settings.portUsers().keySet())
                .allSatisfy(port ->
                        assertThat(Ports.isFree(port)).as("port %d", port).isTrue());
        assertThat(settings.stateFile()).doesNotExist();
    }
}
