/** JWT for {@code /api/**}, platform credentials for {@code /internal/**} and the actuator. */
@NullMarked
package dev.streamchat.persistence.security;

import org.jspecify.annotations.NullMarked;
