/** Client protocol v1: the frames, their JSON form and their validation. */
@NullMarked
package dev.streamchat.session.protocol;

import org.jspecify.annotations.NullMarked;
