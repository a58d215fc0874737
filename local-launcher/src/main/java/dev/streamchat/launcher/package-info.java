/**
 * Starts the whole system on one machine: embedded infrastructure, then every service as its own JVM.
 *
 * <p>{@link dev.streamchat.launcher.LocalStack} is the API (used by {@code ./chat} and by the end-to-end tests);
 * {@link dev.streamchat.launcher.Chat} is the command line.
 */
@NullMarked
package dev.streamchat.launcher;

import org.jspecify.annotations.NullMarked;
