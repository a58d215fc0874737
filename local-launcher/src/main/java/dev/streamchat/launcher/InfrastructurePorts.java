package dev.streamchat.launcher;

/**
 * Where the embedded infrastructure listens. {@code kafkaProxied} is a second listener of the broker that advertises
 * {@code kafkaProxy}, where a TCP proxy may stand (the fault suite's): a client that bootstraps through the proxy is
 * told the proxy's address, not the broker's, so that all its traffic stays behind the proxy.
 */
public record InfrastructurePorts(
        int postgres, int redis, int kafka, int kafkaController, int kafkaProxied, int kafkaProxy, int zipkin) {

    /** The ports of {@code ./chat up}, which config-repo's {@code local} profile points at. */
    public static final InfrastructurePorts LOCAL =
            new InfrastructurePorts(15432, 16379, 19092, 19093, 19094, 19095, 9411);
}
