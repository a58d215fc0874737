package dev.streamchat.launcher;

/**
 * One JVM of one service: the Maven module it is built from, its instance id (stable across restarts, used by Eureka
 * and by the gateway's sticky routing) and its HTTP port.
 */
public record ServiceInstance(String module, String instanceId, int port) {

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public String healthUrl() {
        return baseUrl() + "/actuator/health";
    }
}
