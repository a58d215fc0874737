/** persistence-service: event-sourced history of conversations in PostgreSQL; history, message and search API. */
@NullMarked
package dev.streamchat.persistence;

import org.jspecify.annotations.NullMarked;
