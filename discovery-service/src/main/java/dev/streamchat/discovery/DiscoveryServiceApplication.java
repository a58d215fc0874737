package dev.streamchat.discovery;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.config.server.EnableConfigServer;
import org.springframework.cloud.netflix.eureka.server.EnableEurekaServer;

/**
 * The platform's two registries in one JVM: Eureka (which instances exist) and the Config Server (what they are
 * configured with, served from {@code config-repo/} under {@code /config}). It configures itself from its own
 * {@code application.yml}, never from itself.
 */
@SpringBootApplication
@EnableEurekaServer
@EnableConfigServer
public class DiscoveryServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(DiscoveryServiceApplication.class, args);
    }
}
