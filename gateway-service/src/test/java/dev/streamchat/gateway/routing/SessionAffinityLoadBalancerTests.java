package dev.streamchat.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

class SessionAffinityLoadBalancerTests {

    private static final List<ServiceInstance> THREE =
            List.of(node("session-service-1", 8081), node("session-service-2", 8082), node("session-service-3", 8087));

    @Test
    void theSameSessionIdAlwaysPicksTheSameInstanceWhateverTheListOrder() {
        for (int i = 0; i < 200; i++) {
            String sessionId = UUID.randomUUID().toString();
            String first = pick(THREE, sessionId);
            assertThat(pick(List.of(THREE.get(2), THREE.get(0), THREE.get(1)), sessionId))
                    .isEqualTo(first);
            assertThat(pick(THREE, sessionId)).isEqualTo(first);
        }
    }

    @Test
    void sessionsSpreadOverEveryInstance() {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            counts.merge(pick(THREE, "session-" + i), 1, Integer::sum);
        }
        assertThat(counts).hasSize(3);
        assertThat(counts.values()).allSatisfy(count -> assertThat(count).isBetween(800, 1200));
    }

    @Test
    void whenAnInstanceGoesOnlyItsSessionsMoveAndTheyComeBackWithIt() {
        var without2 = new ArrayList<>(THREE);
        without2.remove(1);
        for (int i = 0; i < 1000; i++) {
            String sessionId = "s-" + i;
            String before = pick(THREE, sessionId);
            String after = pick(without2, sessionId);
            if (!before.equals("session-service-2")) {
                assertThat(after).as(sessionId).isEqualTo(before);
            }
            assertThat(pick(THREE, sessionId)).isEqualTo(before);
        }
    }

    @Test
    void noInstanceGivesAnEmptyResponse() {
        assertThat(SessionAffinityLoadBalancer.choose(List.of(), "s-1").hasServer())
                .isFalse();
    }

    private static String pick(List<ServiceInstance> instances, String sessionId) {
        return SessionAffinityLoadBalancer.choose(instances, sessionId)
                .getServer()
                .getInstanceId();
    }

    private static ServiceInstance node(String id, int port) {
        return new DefaultServiceInstance(id, "session-service", "localhost", port, false);
    }
}
