/**
 * Real infrastructure for tests. {@link dev.streamchat.testsupport.TestInfrastructure} starts each server once per
 * test JVM: embedded (PostgreSQL from zonky, Redis, a Kafka broker and Zipkin as processes of their own), or with
 * Testcontainers when a Docker engine answers. The {@code *TestConfiguration} classes wire them into a Spring test
 * context as dynamic properties; {@link dev.streamchat.testsupport.ServiceIntegrationTest} runs a service on its
 * configuration from {@code config-repo/}.
 */
@NullMarked
package dev.streamchat.testsupport;

import org.jspecify.annotations.NullMarked;
