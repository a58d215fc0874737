package dev.streamchat.gateway.routing;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The load balancer of the {@code session-service} client (not a {@code @Configuration}: Spring Cloud LoadBalancer
 * instantiates it in the client's own context). Instances come from Eureka, filtered by their readiness probe every
 * second, so a node that dies or shuts down stops receiving handshakes within about a second, not after Eureka's
 * lease of ~90 s.
 */
class SessionAffinityConfiguration {

    @Bean
    ServiceInstanceListSupplier healthCheckedInstances(
            ConfigurableApplicationContext context, WebClient.Builder web, RoutingProperties routing) {
        var discovery =
                ServiceInstanceListSupplier.builder().withDiscoveryClient().build(context);
        return new HealthyInstancesSupplier(
                discovery,
                web.build(),
                routing.healthPath(),
                routing.healthInterval(),
                routing.healthTimeout(),
                routing.lateProbesTolerated());
    }

    @Bean
    ReactorLoadBalancer<ServiceInstance> sessionAffinityLoadBalancer(
            ObjectProvider<ServiceInstanceListSupplier> instances) {
        return new SessionAffinityLoadBalancer(instances);
    }
}
