package io.sluice.scheduler.internal;

import io.sluice.core.store.BatchManifest;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.FailureKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.sluice.scheduler.internal.TaskState.ABANDONED;
import static io.sluice.scheduler.internal.TaskState.PENDING;
import static io.sluice.scheduler.internal.TaskState.RUNNING;
import static io.sluice.scheduler.internal.TaskState.SUCCEEDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskLifecycleTest {

    @Test
    void legalTransitions() {
        assertTrue(PENDING.canMoveTo(RUNNING));
        assertTrue(PENDING.canMoveTo(SUCCEEDED), "an empty block succeeds without running");
        assertTrue(RUNNING.canMoveTo(PENDING), "failed or lost: retry");
        assertTrue(RUNNING.canMoveTo(RUNNING), "speculative copy");
        assertTrue(SUCCEEDED.canMoveTo(PENDING), "a lost shuffle block runs its map task again (lineage)");
        for (TaskState s : TaskState.values()) {
            if (s != PENDING) {
                assertFalse(SUCCEEDED.canMoveTo(s), "SUCCEEDED goes nowhere but back to PENDING");
            }
            assertFalse(ABANDONED.canMoveTo(s), "ABANDONED is final");
        }
        assertFalse(PENDING.canMoveTo(PENDING));
    }

    @Test
    void attemptsAreNumberedAndIllegalMovesAreRefused() {
        TaskRun task = new TaskRun(new TaskId("p", 1000, 2), 0, null, "sluice.p.2.0", false, 10);
        TaskAttempt first = task.launch("r1", 10);
        assertEquals(new TaskAttempt(new TaskId("p", 1000, 2), 1), first);
        assertFalse(task.mayHaveCommitted(), "nothing can have committed before the first attempt");
        assertEquals("r1", task.runtimeOf(first));

        task.drop(first);
        task.countFailure("r1", "boom", FailureKind.USER);
        task.retryAt(500);
        assertEquals(PENDING, task.state());
        assertFalse(task.due(499));
        assertTrue(task.due(500));

        TaskAttempt second = task.launch("r2", 600);
        assertEquals(2, second.attempt());
        assertTrue(task.mayHaveCommitted(), "the first attempt may have committed before it failed or was lost");
        assertNull(task.runtimeOf(first), "the old attempt is no longer live");
        assertEquals(10, task.firstDispatchedAt(), "processing start is the first dispatch");

        task.drop(second);
        task.output(7);
        task.succeeded(700);
        assertEquals(7, task.recordsOut());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> task.moveTo(RUNNING));
        assertTrue(e.getMessage().contains("SUCCEEDED to RUNNING"), e.getMessage());
    }

    @Test
    void batchesCommitOnlyInOrder() {
        CommitTracker tracker = new CommitTracker();
        TaskRun a = new TaskRun(new TaskId("p", 1000, 0), 0, null, "", false, 1);
        TaskRun b = new TaskRun(new TaskId("p", 2000, 0), 1, null, "", false, 1);
        tracker.add(new CommitTracker.BatchRun(manifest(1000), List.of(a)));
        tracker.add(new CommitTracker.BatchRun(manifest(2000), List.of(b)));
        assertThrows(IllegalStateException.class, () -> tracker.add(new CommitTracker.BatchRun(manifest(1500), List.of())));

        tracker.taskSucceeded(b);
        assertTrue(tracker.drainCommittable().isEmpty(), "batch 2000 done but 1000 is not");
        tracker.taskSucceeded(a);
        List<CommitTracker.BatchRun> ready = tracker.drainCommittable();
        assertEquals(List.of(1000L, 2000L), ready.stream().map(r -> r.manifest.batchTime()).toList());
        assertEquals(0, tracker.size());
    }

    private static BatchManifest manifest(long time) {
        return new BatchManifest("p", time, 0, time, List.of(), List.of(1));
    }

    @Test
    void transactionalIdsAreSharedByAttemptsAndNeverByBatchesInFlightTogether() {
        int slots = 8;
        java.util.Set<String> inFlight = new java.util.HashSet<>();
        for (long seq = 100; seq < 100 + slots; seq++) {
            inFlight.add(PipelineRun.transactionalId("p", 3, seq % slots));
        }
        assertEquals(slots, inFlight.size(), "batches that may be in flight together never share an id");
        assertEquals(PipelineRun.transactionalId("p", 3, 100 % slots), PipelineRun.transactionalId("p", 3, (100 + slots) % slots),
                "a batch reuses the id of the batch " + slots + " before it, which has committed by then");
        assertEquals("sluice.p.3.4", PipelineRun.transactionalId("p", 3, 4));
    }
}
