/** JWT for {@code /api/**}, platform credentials for the actuator. */
@NullMarked
package dev.streamchat.analytics.security;

import org.jspecify.annotations.NullMarked;
