/**
 * Checks of the deployment files without a Docker engine or a cluster: docker-compose.yml and the Dockerfile parsed,
 * the kustomize overlays rendered by kubectl and validated against the Kubernetes API schema, both cross-checked with
 * config-repo/ and the service modules.
 */
@NullMarked
package dev.streamchat.deploy;

import org.jspecify.annotations.NullMarked;
