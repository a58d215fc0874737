package dev.streamchat.platform.security;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import reactor.core.publisher.Mono;

/**
 * The platform user of {@code spring.security.user} (Eureka, the Config Server, the actuator), looked up as it is. Boot's
 * in-memory store re-encodes a {@code {noop}} password with BCrypt after the first login, and then every
 * Basic-authenticated call paid a BCrypt check (tens of ms of CPU; the benchmark's profile found it). Runs before Boot's
 * user stores, which back off when this one exists.
 */
@AutoConfiguration(
        before = {UserDetailsServiceAutoConfiguration.class, ReactiveUserDetailsServiceAutoConfiguration.class})
@ConditionalOnClass(User.class)
@EnableConfigurationProperties(SecurityProperties.class)
public class PlatformUserAutoConfiguration {

    static UserDetails platform(SecurityProperties properties) {
        var user = properties.getUser();
        return User.withUsername(user.getName())
                .password("{noop}" + user.getPassword())
                .roles(user.getRoles().toArray(String[]::new))
                .build();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    static class Servlet {

        @Bean
        @ConditionalOnMissingBean
        UserDetailsService platformUser(SecurityProperties properties) {
            UserDetails platform = platform(properties);
            return username -> {
                if (!platform.getUsername().equals(username)) {
                    throw new UsernameNotFoundException(username);
                }
                return User.withUserDetails(platform).build();
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass(Mono.class)
    static class Reactive {

        @Bean
        @ConditionalOnMissingBean
        ReactiveUserDetailsService platformUser(SecurityProperties properties) {
            UserDetails platform = platform(properties);
            return username -> Mono.justOrEmpty(
                    platform.getUsername().equals(username)
                            ? User.withUserDetails(platform).build()
                            : null);
        }
    }
}
