package io.sluice.core.store;

import io.sluice.core.task.TaskId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchManifestTest {

    @Test
    void roundTripsAndDerivesTasks() {
        BatchManifest m = new BatchManifest("p", 2000, 4, 2003,
                List.of(new OffsetRange("a", 0, 10, 20), new OffsetRange("b", 1, 0, 3)), List.of(5, 0, 8));
        assertEquals(m, BatchManifest.decode(m.encode()));
        assertEquals(13, m.records());
        assertEquals(3, m.partitions());
        assertEquals(List.of(new TaskId("p", 2000, 0), new TaskId("p", 2000, 1), new TaskId("p", 2000, 2)), m.tasks());
        assertEquals("p/2000/2", m.tasks().get(2).blockKey());
    }

    @Test
    void cursorRoundTripsMovesOnlyForwardAndIsNoManifestKey() {
        BatchCursor c = new BatchCursor("p", 5000, 9);
        assertEquals(c, BatchCursor.decode(c.encode()));
        BatchManifest older = new BatchManifest("p", 4000, 8, 4001, List.of(), List.of(1));
        BatchManifest newer = new BatchManifest("p", 6000, 10, 6001, List.of(), List.of(1));
        assertEquals(c, c.atLeast(older));
        assertEquals(new BatchCursor("p", 6000, 10), c.atLeast(newer));
        assertFalse(c.key().startsWith("p/"), "a scan for p's manifests must not see its cursor: " + c.key());
    }

    @Test
    void offsetRangesMustBeOrdered() {
        assertThrows(IllegalArgumentException.class, () -> new OffsetRange("a", 0, 5, 4));
        assertThrows(IllegalArgumentException.class, () -> new OffsetRange("a", 0, -1, 4));
    }
}
