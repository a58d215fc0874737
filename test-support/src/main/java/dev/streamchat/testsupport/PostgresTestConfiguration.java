package dev.streamchat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistrar;

/** Points {@code spring.datasource} at a fresh database of its own on the test PostgreSQL server. */
@TestConfiguration(proxyBeanMethods = false)
public class PostgresTestConfiguration {

    @Bean
    DynamicPropertyRegistrar postgresProperties(Environment environment) {
        var postgres = TestInfrastructure.postgres();
        String database = postgres.createDatabase(environment.getProperty("spring.application.name", "test"));
        return registry -> {
            registry.add("spring.datasource.url", () -> postgres.jdbcUrl(database));
            registry.add("spring.datasource.username", postgres::superuser);
            registry.add("spring.datasource.password", postgres::password);
        };
    }
}
