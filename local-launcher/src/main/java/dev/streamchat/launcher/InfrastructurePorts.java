package dev.streamchat.launcher;

/** Where the embedded infrastructure listens. */
public record InfrastructurePorts(int postgres, int redis, int kafka, int kafkaController, int zipkin) {

    /** The ports of {@code ./chat up}, which config-repo's {@code local} profile points at. */
    public static final InfrastructurePorts LOCAL = new InfrastructurePorts(15432, 16379, 19092, 19093, 9411);
}
