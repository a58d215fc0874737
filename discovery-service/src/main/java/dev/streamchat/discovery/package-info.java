/** discovery-service: the Eureka server and the Config Server of the platform. */
@NullMarked
package dev.streamchat.discovery;

import org.jspecify.annotations.NullMarked;
