/** Who may connect: the JWT on the WebSocket handshake, the platform credentials on the actuator. */
@NullMarked
package dev.streamchat.session.security;

import org.jspecify.annotations.NullMarked;
