/** Routing: sticky WebSocket routing by session id (rendezvous hash over healthy instances), session ids for handshakes without one, rate-limit keys. */
@NullMarked
package dev.streamchat.gateway.routing;

import org.jspecify.annotations.NullMarked;
