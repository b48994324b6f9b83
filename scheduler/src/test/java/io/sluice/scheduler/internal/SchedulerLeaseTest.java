package io.sluice.scheduler.internal;

import io.sluice.core.cluster.SluiceNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduler lease on a real (local) Infinispan cache, with the holder's clock under the test's control. */
class SchedulerLeaseTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    private SluiceNode node;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @BeforeEach
    void start() {
        node = SluiceNode.local();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private SchedulerLease acquire(String holder, int tries) throws InterruptedException {
        AtomicInteger left = new AtomicInteger(tries);
        return SchedulerLease.acquire(node.leases(), holder, LEASE, now::get, () -> left.getAndDecrement() <= 0);
    }

    @Test
    void oneHolderAtATimeAndEachTakeoverHasAHigherEpoch() throws Exception {
        SchedulerLease active = acquire("a", 1);
        assertNotNull(active);
        assertNull(acquire("b", 2), "b stands by while a holds the lease");
        long first = active.epoch();
        active.close();
        SchedulerLease next = acquire("b", 1);
        assertNotNull(next, "a released the lease on close, so b takes over at once");
        assertTrue(next.epoch() > first);
        next.close();
    }

    @Test
    void aHolderPausedPastFourFifthsOfTheLeaseStopsActingBeforeAnyoneCanTakeOver() throws Exception {
        SchedulerLease active = acquire("a", 1);
        AtomicInteger lost = new AtomicInteger();
        active.onLost(lost::incrementAndGet);
        assertTrue(active.valid());

        now.addAndGet(Duration.ofSeconds(23).toNanos());
        assertTrue(active.valid(), "23 s of a 30 s lease: still valid");
        now.addAndGet(Duration.ofSeconds(1).toNanos() + 1);
        assertFalse(active.valid(), "past 24 s (4/5 of the lease) without renewal it no longer acts");

        active.renew();
        assertEquals(1, lost.get(), "the late renewal declares the lease lost instead of reviving it");
        assertFalse(active.valid());
        active.close();
    }

    @Test
    void renewingInTimeKeepsTheHoldingValid() throws Exception {
        SchedulerLease active = acquire("a", 1);
        for (int i = 0; i < 5; i++) {
            now.addAndGet(Duration.ofSeconds(10).toNanos());
            active.renew();
            assertTrue(active.valid(), "renewed every 10 s, a 30 s lease never lapses");
        }
        active.close();
    }

    @Test
    void aLeaseWhoseHolderStoppedRenewingLapsesAndAStandbyTakesOver() throws Exception {
        // The holder died (or was SIGSTOPped): nobody renews its entry, which lapses in the grid.
        var dead = node.leases().tryAcquire(SchedulerLease.NAME, "dead", Duration.ofMillis(300)).orElseThrow();
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(10).toNanos();
        SchedulerLease standby = SchedulerLease.acquire(node.leases(), "standby", LEASE, System::nanoTime,
                () -> System.nanoTime() > deadline);
        assertNotNull(standby, "the standby took over");
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(250).toNanos(), "but not before the lease lapsed");
        assertTrue(standby.epoch() > dead.epoch());
        assertFalse(node.leases().renew(SchedulerLease.NAME, dead, LEASE), "the old holding cannot be renewed");
        standby.close();
    }
}
