package io.sluice.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** What every server role does: start parts in order, run until Ctrl-C or SIGTERM, close them in reverse. */
final class Servers implements AutoCloseable {

    private final List<AutoCloseable> parts = new ArrayList<>();

    /** Starts a part; if it fails, everything started so far is closed and the failure is one line. */
    <T extends AutoCloseable> T start(String what, Supplier<T> starter) {
        try {
            T part = starter.get();
            parts.add(part);
            return part;
        } catch (CliException e) {
            close();
            throw e;
        } catch (RuntimeException e) {
            close();
            throw new CliException(ExitCodes.FAILED, "cannot start the " + what + ": " + e.getMessage());
        }
    }

    /** Blocks until the process is asked to stop, then closes everything. */
    void runUntilStopped() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopped.countDown();
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-shutdown"));
        stopped.await();
        close();
        closed.countDown();
    }

    @Override
    public void close() {
        List<AutoCloseable> reversed = new ArrayList<>(parts);
        Collections.reverse(reversed);
        parts.clear();
        for (AutoCloseable part : reversed) {
            try {
                part.close();
            } catch (Exception e) {
                // closing is best effort; the process is ending
            }
        }
    }
}
