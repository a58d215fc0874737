package dev.streamchat.gateway.routing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.routing.*}: how the gateway probes session-service nodes for sticky routing.
 *
 * @param healthPath the probe that says a node takes connections
 * @param healthInterval how often every node is probed; a dead node stops getting handshakes within about this long
 * @param healthTimeout how long a probe may take before it counts as late
 * @param lateProbesTolerated late probes in a row that a listed node stays listed through (a busy node answers late;
 *     one that refuses the connection or answers not ready leaves at once)
 */
@ConfigurationProperties("streamchat.routing")
record RoutingProperties(
        @DefaultValue("/actuator/health/readiness") String healthPath,
        @DefaultValue("1s") Duration healthInterval,
        @DefaultValue("1s") Duration healthTimeout,
        @DefaultValue("2") int lateProbesTolerated) {}
