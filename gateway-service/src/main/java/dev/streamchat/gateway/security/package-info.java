/** Edge security: JWTs (header or {@code access_token} query parameter), the platform credentials on the actuator, open paths. */
@NullMarked
package dev.streamchat.gateway.security;

import org.jspecify.annotations.NullMarked;
