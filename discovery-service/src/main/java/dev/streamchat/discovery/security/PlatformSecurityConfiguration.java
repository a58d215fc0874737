package dev.streamchat.discovery.security;

import static org.springframework.security.config.Customizer.withDefaults;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Everything but health needs the platform credentials (HTTP Basic): the registry and the configuration (which holds
 * connection settings) are not for the public. Eureka clients and {@code POST /actuator/busrefresh} (a refresh of every
 * service, for when a changed file was not seen) write without CSRF tokens.
 */
@Configuration(proxyBeanMethods = false)
class PlatformSecurityConfiguration {

    @Bean
    SecurityFilterChain platformSecurity(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(
                        requests -> requests.requestMatchers("/actuator/health", "/actuator/health/**")
                                .permitAll()
                                .anyRequest()
                                .authenticated())
                .httpBasic(withDefaults())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf ->
                        csrf.ignoringRequestMatchers("/eureka/**", "/actuator/busrefresh", "/actuator/busrefresh/**"))
                .build();
    }
}
