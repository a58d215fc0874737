/** End-to-end tests: the whole system, started once per test run the way {@code ./chat up} starts it. */
@NullMarked
package dev.streamchat.e2e;

import org.jspecify.annotations.NullMarked;
