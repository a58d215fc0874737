/** gateway-service: edge of the system: JWT auth, per-user rate limits, sticky WebSocket routing to session-service, REST routes, web client. */
@NullMarked
package dev.streamchat.gateway;

import org.jspecify.annotations.NullMarked;
