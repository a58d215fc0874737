# Every service's image: the executable jar that ./mvnw package builds (<module>/target/<module>.jar) on a Java 25
# runtime. One file for the seven modules, the module a build argument:
#   docker build --build-arg MODULE=session-service -t streamchat/session-service:dev .
# (docker compose build passes MODULE and PORT for each service). The build context is the repository root, of which
# .dockerignore lets in the modules' jars alone. BASE_IMAGE is any Java 25 runtime image with a shell, groupadd and
# useradd, for a registry of your own or an image built offline.
ARG BASE_IMAGE=eclipse-temurin:25-jre

# Spring Boot's layered extraction: dependencies, loader, snapshot dependencies and the application each in a layer
# of its own, so that a code change rebuilds and ships only the small last layer.
FROM ${BASE_IMAGE} AS layers
ARG MODULE
WORKDIR /build
COPY ${MODULE}/target/${MODULE}.jar service.jar
RUN java -Djarmode=tools -jar service.jar extract --layers --destination extracted

FROM ${BASE_IMAGE}
ARG PORT=8080
# a user of its own, never root; numeric in USER so that Kubernetes' runAsNonRoot can check it
RUN groupadd --system --gid 10001 streamchat \
    && useradd --system --uid 10001 --gid streamchat --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin streamchat
WORKDIR /app
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
USER 10001:10001
# Heap from the container's memory limit; the rest is metaspace, code cache, thread stacks and direct buffers.
# JDK_JAVA_OPTIONS is read by the java launcher only (not by tools), and compose or Kubernetes may override it.
ENV SERVER_PORT=${PORT} \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError"
EXPOSE ${PORT}
# No HEALTHCHECK here: docker-compose.yml defines one per container (this image has bash but neither curl nor wget),
# and Kubernetes uses its own probes.
ENTRYPOINT ["java", "-jar", "/app/service.jar"]
