package io.sluice.scheduler.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the scheduler reads a runtime's heartbeats: when its slots count, and what it really runs. */
class RuntimeSessionTest {

    private static final TaskAttempt A = new TaskAttempt(new TaskId("p", 1_000, 0), 1);
    private static final TaskAttempt B = new TaskAttempt(new TaskId("p", 1_000, 1), 1);

    private final RuntimeSession session = new RuntimeSession("r1", "runtime", 3, 0, m -> { }, () -> { });

    @Test
    void aConnectedRuntimeOffersNoSlotUntilItIsReady() {
        assertEquals(0, session.freeSlots(), "connected but still joining the grid: no task can run there");
        session.ready();
        assertEquals(3, session.freeSlots());
    }

    @Test
    void cancelledAttemptsThatStillHoldAThreadKeepTheirSlotsTaken() {
        session.ready();
        session.assigned(A, 1);
        session.reported(List.of(A), List.of(A), 2, a -> true);
        assertEquals(0, session.freeSlots(), "one running, two lingering after their cancels: all three slots taken");
        session.reported(List.of(A), List.of(A), 0, a -> true);
        assertEquals(2, session.freeSlots(), "the lingering threads came back");
    }

    @Test
    void anAttemptTheRuntimeStopsReportingIsLostAfterTwoHeartbeats() {
        session.ready();
        session.assigned(A, 1);
        session.assigned(B, 2);
        assertEquals(List.of(), session.reported(List.of(A), List.of(), 0, a -> true),
                "missing once may be a result still on its way");
        assertEquals(List.of(B), session.reported(List.of(A), List.of(), 0, a -> true), "missing twice: lost");
        assertEquals(List.of(), session.reported(List.of(A), List.of(), 0, a -> false),
                "a young attempt may not have reached the runtime yet");
    }

    @Test
    void aTimeoutIsThePlatformsOnlyIfTheRuntimeSaidTheAttemptWasOutsideTheFunction() {
        session.ready();
        session.assigned(A, 1);
        session.assigned(B, 2);
        session.reported(List.of(A, B), List.of(A), 0, a -> true);
        assertFalse(session.outsideFunction(A), "A was in user code");
        assertTrue(session.outsideFunction(B), "B was reading, writing or waiting");
        TaskAttempt unreported = A.next();
        assertFalse(session.outsideFunction(unreported), "an attempt nobody placed is blamed on the function");
    }
}
