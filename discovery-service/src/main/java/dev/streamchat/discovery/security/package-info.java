/** Who may read the registry and the configuration: the platform's services, with HTTP Basic. */
@NullMarked
package dev.streamchat.discovery.security;

import org.jspecify.annotations.NullMarked;
