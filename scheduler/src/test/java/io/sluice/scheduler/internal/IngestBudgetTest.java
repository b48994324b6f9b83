package io.sluice.scheduler.internal;

import io.sluice.scheduler.SchedulerConfig.IngestLimits;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestBudgetTest {

    private final IngestBudget budget = new IngestBudget(2, new IngestLimits(1_000, 50, 400));

    @Test
    void readsWhileTheOpenBatchIsUnderItsLimits() {
        assertTrue(budget.mayRead(49, 399));
        assertFalse(budget.mayRead(50, 0));
        assertFalse(budget.mayRead(0, 400));
        assertTrue(budget.holdReason(50, 0).contains("50 records"), budget.holdReason(50, 0));
        assertEquals("", budget.holdReason(0, 0));
    }

    @Test
    void holdsWhileTooManyBatchesAreUncommittedAndGoesOnAsTheyCommit() {
        budget.stored(1, 10);
        assertTrue(budget.mayCut());
        budget.stored(2, 10);
        assertFalse(budget.mayCut());
        assertFalse(budget.mayRead(0, 0));
        assertTrue(budget.holdReason(0, 0).contains("2 batches in flight"), budget.holdReason(0, 0));
        budget.committed(1);
        assertTrue(budget.mayRead(0, 0), "a committed batch frees its place before its blocks are freed");
        assertEquals(1, budget.batches());
    }

    @Test
    void holdsWhileTooManyBytesAreStoredUntilTheyAreFreed() {
        budget.stored(1, 600);
        assertTrue(budget.mayCut());
        budget.stored(2, 500);
        budget.committed(1);
        budget.committed(2);
        assertFalse(budget.mayCut(), "1,100 bytes stored");
        assertTrue(budget.holdReason(0, 0).contains("1100 bytes stored"), budget.holdReason(0, 0));
        budget.freed(1);
        assertTrue(budget.mayCut());
        assertEquals(500, budget.bytes());
        budget.freed(1);
        assertEquals(500, budget.bytes(), "freeing twice counts once");
    }

    @Test
    void aRecoveredBatchCountsAsTheLargestABatchMayBeUntilItsSizeIsKnown() {
        budget.recovered(7);
        assertEquals(400, budget.bytes());
        budget.stored(7, 120); // rebuilt
        assertEquals(120, budget.bytes());
        assertEquals(1, budget.batches());
    }
}
