package io.sluice.scheduler.internal;

import io.sluice.core.cluster.Leases;
import io.sluice.core.cluster.Leases.Holder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * This scheduler's hold on the scheduler lease in the data grid: only the holder cuts, dispatches,
 * commits offsets or writes, so a standby can take over when the active scheduler dies, and a
 * paused one (SIGSTOP, a long GC) that wakes up after its lease lapsed does nothing more.
 *
 * <p>The grid entry lapses {@code duration} after its last renewal, by the grid's clock. Locally
 * the holding counts as valid until {@code 0.8 × duration} after the renewal was <em>sent</em>, by
 * a monotonic clock that keeps running while the process is stopped; so by the time a standby can
 * take the lapsed lease, the old holder's own check already says no, with a fifth of the lease to
 * spare for the two clocks' drift. Every guarded action asks {@link #valid()} first.
 */
final class SchedulerLease implements AutoCloseable {

    /** The lease's name in the grid. */
    static final String NAME = "scheduler";
    /**
     * The default lease: a standby takes over within about this long of the active scheduler's
     * death. Renewed every fifth of it, so a holder must miss four renewals in a row (a loaded
     * machine, a slow grid) before its own check gives up; 3 s leases flapped on two busy cores.
     */
    static final Duration DEFAULT_DURATION = Duration.ofSeconds(5);
    private static final int RENEWALS = 5;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(SchedulerLease.class);
    private static final double SAFETY = 0.8;

    private final Leases leases;
    private final Holder holding;
    private final Duration duration;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-scheduler-lease");
        t.setDaemon(true);
        return t;
    });
    private volatile long validUntil;
    private volatile boolean lost;
    private volatile Runnable onLost = () -> { };

    private SchedulerLease(Leases leases, Holder holding, Duration duration, LongSupplier nanoTime, long sentAt) {
        this.leases = leases;
        this.holding = holding;
        this.duration = duration;
        this.nanoTime = nanoTime;
        this.validUntil = sentAt + (long) (duration.toNanos() * SAFETY);
    }

    /**
     * Waits as a standby until this scheduler holds the lease, then keeps renewing it.
     *
     * @param holder   this scheduler's identity
     * @param nanoTime a monotonic clock ({@code System::nanoTime})
     * @param giveUp   stops the wait when it says so
     * @return the lease, or null if {@code giveUp} stopped the wait
     */
    static SchedulerLease acquire(Leases leases, String holder, Duration duration, LongSupplier nanoTime,
                                  BooleanSupplier giveUp) throws InterruptedException {
        boolean said = false;
        String failing = null;
        while (!giveUp.getAsBoolean()) {
            long sentAt = nanoTime.getAsLong();
            Optional<Holder> won;
            try {
                // look before claiming: each claim draws an epoch, and a standby polls for a long time
                won = leases.holder(NAME).isPresent() ? Optional.empty() : leases.tryAcquire(NAME, holder, duration);
            } catch (RuntimeException e) {
                // A grid that times out (a member paused, a view changing) is no reason to stop standing by.
                if (failing == null) {
                    log.warn("Scheduler {} cannot read the scheduler lease, trying again: {}", holder, e.toString());
                }
                failing = e.toString();
                Thread.sleep(Math.max(50, duration.toMillis() / 6));
                continue;
            }
            if (failing != null) {
                log.info("Scheduler {} reads the scheduler lease again", holder);
                failing = null;
            }
            if (won.isPresent()) {
                SchedulerLease lease = new SchedulerLease(leases, won.get(), duration, nanoTime, sentAt);
                long every = duration.toMillis() / RENEWALS;
                lease.renewer.scheduleWithFixedDelay(lease::renew, every, every, TimeUnit.MILLISECONDS);
                log.info("Scheduler {} is active (lease epoch {})", holder, won.get().epoch());
                return lease;
            }
            if (!said) {
                said = true;
                log.info("Scheduler {} is standing by: {} holds the scheduler lease; taking over when it lapses", holder,
                        leases.holder(NAME).map(h -> h.holder() + " (epoch " + h.epoch() + ")").orElse("another scheduler"));
            }
            Thread.sleep(Math.max(50, duration.toMillis() / 6));
        }
        return null;
    }

    /** @return whether this scheduler may still act as the active one */
    boolean valid() {
        return !lost && nanoTime.getAsLong() - validUntil < 0;
    }

    long epoch() {
        return holding.epoch();
    }

    String holder() {
        return holding.holder();
    }

    /** Runs {@code action} once, on the lease's thread, if the lease is lost. */
    void onLost(Runnable action) {
        onLost = action;
    }

    /** Renews the lease; called every fifth of its duration. */
    void renew() {
        if (lost) {
            return;
        }
        long sentAt = nanoTime.getAsLong();
        if (sentAt - validUntil >= 0) {
            lose("it lapsed before it could be renewed (paused or cut off for over "
                    + (long) (duration.toMillis() * SAFETY) + " ms)");
            return;
        }
        for (int tries = 1; ; tries++) {
            try {
                if (leases.renew(NAME, holding, duration)) {
                    validUntil = sentAt + (long) (duration.toNanos() * SAFETY);
                } else {
                    lose("another scheduler holds it now: "
                            + leases.holder(NAME).map(h -> h.holder() + " (epoch " + h.epoch() + ")").orElse("none"));
                }
                return;
            } catch (RuntimeException e) {
                // e.g. a member that was paused rejoins and the grid merges views: try again soon,
                // not only at the next renewal
                long left = (validUntil - nanoTime.getAsLong()) / 1_000_000;
                log.warn("Cannot renew the scheduler lease (try {}: {}); it stays valid for {} ms more", tries,
                        e.toString(), left);
                if (tries >= 3 || left < RETRY_PAUSE.toMillis()) {
                    return;
                }
                try {
                    Thread.sleep(RETRY_PAUSE.toMillis()); // the lease thread does nothing else
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void lose(String why) {
        lost = true;
        log.error("Scheduler {} lost the scheduler lease (epoch {}): {}. It stops: no batch is cut, dispatched or "
                + "committed by it any more", holding.holder(), holding.epoch(), why);
        renewer.shutdown();
        onLost.run();
    }

    /** Stops renewing and gives the lease up, so a standby takes over at once. */
    @Override
    public void close() {
        renewer.shutdownNow();
        if (valid()) {
            lost = true;
            try {
                leases.release(NAME, holding);
            } catch (RuntimeException e) {
                log.debug("Lease not released ({}); it lapses by itself", e.toString());
            }
        }
    }
}
