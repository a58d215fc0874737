package dev.streamchat.orchestrator.context;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/** A load-balanced client (through Eureka) with short timeouts and the platform credentials. */
@Configuration(proxyBeanMethods = false)
class ContextClientConfiguration {

    @Bean
    @LoadBalanced
    RestClient.Builder loadBalancedRestClientBuilder(
            @Value("${spring.security.user.name}") String username,
            @Value("${spring.security.user.password}") String password,
            @Value("${streamchat.context.timeout:1s}") Duration timeout) {
        var requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(timeout);
        requests.setReadTimeout(timeout);
        return RestClient.builder()
                .requestFactory(requests)
                .defaultHeaders(headers -> headers.setBasicAuth(username, password));
    }
}
