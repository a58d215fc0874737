/** The audit trail of recoveries and their RECOVERED events. */
@NullMarked
package dev.streamchat.recovery.audit;

import org.jspecify.annotations.NullMarked;
