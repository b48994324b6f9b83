package io.sluice.runtime.internal;

import io.sluice.core.task.TaskId;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CommitMarkerTest {

    private static final TaskId TASK = new TaskId("p", 5_000, 2);

    @Test
    void metadataRoundTrips() {
        CommitMarker m = new CommitMarker(5_000, 750, 42);
        assertEquals(m, CommitMarker.parse(5_000, m.metadata()));
    }

    @Test
    void unknownMetadataCountsAsAWholeTask() {
        CommitMarker legacy = CommitMarker.parse(5_000, "p/5000/2#1");
        assertEquals(Integer.MAX_VALUE, legacy.committedUpTo(TASK));
        assertEquals(0, legacy.recordsOutOf(TASK));
    }

    @Test
    void coverageDependsOnTheBatchTime() {
        assertEquals(0, CommitMarker.NONE.committedUpTo(TASK));
        assertEquals(0, new CommitMarker(4_000, 10, 10).committedUpTo(TASK), "an older batch says nothing of this one");
        assertEquals(10, new CommitMarker(5_000, 10, 3).committedUpTo(TASK));
        assertEquals(Integer.MAX_VALUE, new CommitMarker(6_000, 1, 1).committedUpTo(TASK),
                "a later batch under the same id means this one committed");
    }

    @Test
    void advancingAddsOutputWithinATaskOnly() {
        CommitMarker first = CommitMarker.NONE.advance(TASK, 500, 7);
        assertEquals(new CommitMarker(5_000, 500, 7), first);
        assertEquals(new CommitMarker(5_000, 1_000, 10), first.advance(TASK, 1_000, 3));
        assertEquals(new CommitMarker(9_000, 4, 4), first.advance(new TaskId("p", 9_000, 2), 4, 4));
    }
}
