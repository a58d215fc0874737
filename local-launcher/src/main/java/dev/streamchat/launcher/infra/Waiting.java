package dev.streamchat.launcher.infra;

import dev.streamchat.launcher.process.ManagedProcess;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds, failing early when the process that should satisfy it has died. */
final class Waiting {

    private Waiting() {}

    static void until(String what, Duration timeout, ManagedProcess process, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(what + " failed: its process exited with code "
                        + process.process().exitValue() + ":\n" + process.tailOfLog(30));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        what + " was not ready within " + timeout + "; see " + process.logFile());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
