/** Dev tokens: {@code POST /api/auth/dev-token}, in the {@code local} profile only. */
@NullMarked
package dev.streamchat.gateway.auth;

import org.jspecify.annotations.NullMarked;
