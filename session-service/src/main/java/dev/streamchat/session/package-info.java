/** session-service: holds client WebSocket connections, speaks protocol v1, delivers live chunks and resumes streams. */
@NullMarked
package dev.streamchat.session;

import org.jspecify.annotations.NullMarked;
