/** Child processes of the launcher, their ports, logs and health. */
@NullMarked
package dev.streamchat.launcher.process;

import org.jspecify.annotations.NullMarked;
