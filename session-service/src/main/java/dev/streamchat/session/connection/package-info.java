/** The WebSocket endpoint {@code /ws/chat}, one connection per client, and the connection registry in Redis. */
@NullMarked
package dev.streamchat.session.connection;

import org.jspecify.annotations.NullMarked;
