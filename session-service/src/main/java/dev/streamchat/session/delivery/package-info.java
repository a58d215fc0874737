/** Live delivery: the hot log and live channel in Redis, read through one cursor per connection and message. */
@NullMarked
package dev.streamchat.session.delivery;

import org.jspecify.annotations.NullMarked;
