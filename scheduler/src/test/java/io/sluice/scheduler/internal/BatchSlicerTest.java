package io.sluice.scheduler.internal;

import io.sluice.core.block.Block;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.OffsetRange;
import io.sluice.function.Record;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchSlicerTest {

    private final ManualClock clock = new ManualClock(10_250);
    private final BatchSlicer slicer = new BatchSlicer("p", Duration.ofSeconds(1), 4, clock);

    @Test
    void cutsAtIntervalEndsAlignedToTheEpoch() {
        assertEquals(750, slicer.millisUntilDue());
        slicer.append("t", 0, 5, 1L, bytes("k"), bytes("v"));
        clock.set(10_999);
        assertTrue(slicer.cutIfDue().isEmpty(), "interval not over yet");

        clock.set(11_000);
        BatchManifest first = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(11_000, first.batchTime());
        assertEquals(0, first.sequence());
        assertEquals(1, first.records());
        assertEquals(1000, slicer.millisUntilDue());

        slicer.append("t", 0, 6, 1L, bytes("k"), bytes("v"));
        clock.set(12_003);
        BatchManifest second = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(12_000, second.batchTime());
        assertEquals(1, second.sequence());
    }

    @Test
    void skipsEmptyIntervals() {
        clock.set(11_000);
        assertTrue(slicer.cutIfDue().isEmpty(), "no records, no batch");
        clock.set(12_000);
        assertTrue(slicer.cutIfDue().isEmpty());
        slicer.append("t", 0, 0, 1L, null, bytes("v"));
        clock.set(13_000);
        BatchManifest m = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(13_000, m.batchTime());
        assertEquals(0, m.sequence(), "skipped intervals use no sequence number");
    }

    @Test
    void aLatePollStampsTheLatestPassedBoundaryAndKeepsTimesIncreasing() {
        slicer.append("t", 0, 0, 1L, null, bytes("v"));
        clock.set(14_400);
        assertEquals(14_000, slicer.cutIfDue().orElseThrow().manifest().batchTime());
        assertEquals(600, slicer.millisUntilDue());
    }

    @Test
    void recordsTheOffsetRangeOfEverySourcePartition() {
        slicer.append("a", 0, 10, 1L, null, bytes("x"));
        slicer.append("a", 0, 11, 1L, null, bytes("x"));
        slicer.append("a", 0, 14, 1L, null, bytes("x"));
        slicer.append("b", 3, 7, 1L, null, bytes("x"));
        clock.set(11_000);
        List<OffsetRange> ranges = slicer.cutIfDue().orElseThrow().manifest().ranges();
        assertEquals(List.of(new OffsetRange("a", 0, 10, 15), new OffsetRange("b", 3, 7, 8)), ranges);
    }

    @Test
    void partitionsKeyedRecordsByKeyHashAndUnkeyedByWhereTheyAre() {
        for (int i = 0; i < 400; i++) {
            slicer.append("t", 0, i, i, bytes("key-" + (i % 20)), bytes("v" + i));
        }
        for (int i = 0; i < 8; i++) {
            slicer.append("t", 1, i, i, null, bytes("n" + i));
        }
        clock.set(11_000);
        SlicedBatch batch = slicer.cutIfDue().orElseThrow();
        assertEquals(408, batch.manifest().records());

        Map<String, Integer> partitionOfKey = new HashMap<>();
        for (int p = 0; p < 4; p++) {
            for (Record r : Block.decode(batch.blocks().get(p))) {
                if (r.keySize() < 0) {
                    assertEquals(BatchSlicer.partitionOf("t", 1, r.offset(), null, 4), p, "unkeyed record " + r.offset());
                    continue;
                }
                Integer before = partitionOfKey.put(r.keyAsString(), p);
                assertTrue(before == null || before == p, "key " + r.keyAsString() + " split across partitions");
            }
            assertEquals(batch.manifest().recordsPerPartition().get(p), Block.decode(batch.blocks().get(p)).size());
        }
        assertEquals(20, partitionOfKey.size());
        assertTrue(partitionOfKey.values().stream().distinct().count() > 1, "keys spread over partitions");
    }

    @Test
    void anUnkeyedRecordsPartitionDependsOnlyOnWhereItIsAndSpreadsEvenOverStridedOffsets() {
        assertEquals(BatchSlicer.partitionOf("t", 2, 1234, null, 8), BatchSlicer.partitionOf("t", 2, 1234, null, 8));
        // a transactional producer's records sit at every other offset (its commit markers take the rest)
        int[] perPartition = new int[8];
        for (long offset = 0; offset < 16_000; offset += 2) {
            perPartition[BatchSlicer.partitionOf("t", 0, offset, null, 8)]++;
        }
        for (int n : perPartition) {
            assertTrue(n > 800 && n < 1_200, "8,000 records over 8 partitions should give about 1,000 each: "
                    + java.util.Arrays.toString(perPartition));
        }
        int[] bySource = new int[4];
        for (int source = 0; source < 400; source++) {
            bySource[BatchSlicer.partitionOf("t", source, 0, null, 4)]++;
        }
        for (int n : bySource) {
            assertTrue(n > 60, "the first records of many source partitions do not all land together: "
                    + java.util.Arrays.toString(bySource));
        }
    }

    @Test
    void aRebuildReproducesTheBlocksWhateverOrderTheRecordsArriveIn() {
        java.util.Random random = new java.util.Random(3);
        int[] next = new int[6];
        for (int n = 0; n < 3_000; n++) { // arrival interleaves source partitions at random, as polls do
            int source = random.nextInt(next.length);
            appendSourceRecord(slicer, source, next[source]++);
        }
        clock.set(11_000);
        SlicedBatch original = slicer.cutIfDue().orElseThrow();

        BatchSlicer.Rebuild rebuild = BatchSlicer.rebuild(original.manifest());
        for (int source = next.length - 1; source >= 0; source--) { // a rebuild reads one source after another
            for (int offset = 0; offset < next[source]; offset++) {
                appendSourceRecord(rebuild, source, offset);
            }
        }
        SlicedBatch rebuilt = rebuild.seal();
        assertEquals(original.manifest(), rebuilt.manifest());
        for (int p = 0; p < 4; p++) {
            assertTrue(java.util.Arrays.equals(original.blocks().get(p), rebuilt.blocks().get(p)), "block " + p + " differs");
        }
    }

    @Test
    void aRebuildThatReadsOtherRecordsThanTheOriginalFailsSayingWhy() {
        for (int offset = 0; offset < 40; offset++) {
            appendSourceRecord(slicer, 0, offset);
        }
        clock.set(11_000);
        BatchManifest manifest = slicer.cutIfDue().orElseThrow().manifest();
        BatchSlicer.Rebuild rebuild = BatchSlicer.rebuild(manifest);
        for (int offset = 1; offset < 40; offset++) { // offset 0 was deleted by retention meanwhile
            appendSourceRecord(rebuild, 0, offset);
        }
        BatchMismatchException e = assertThrows(BatchMismatchException.class, rebuild::seal);
        assertTrue(e.getMessage().contains("batch 11000 of pipeline p cannot be rebuilt"), e.getMessage());
        assertTrue(e.getMessage().contains("its manifest says " + manifest.recordsPerPartition()), e.getMessage());
        assertTrue(e.getMessage().contains("commits nothing past this batch"), e.getMessage());
    }

    @Test
    void afterResumingBatchTimesAndSequencesGoOnFromTheLastBatchEvenWhenThisClockIsBehind() {
        long anHourAhead = 10_000 + 3_600_000;
        slicer.resumeAfter(42, anHourAhead);
        assertEquals(750, slicer.millisUntilDue(), "cuts stay due by this host's clock");
        slicer.append("t", 0, 0, 1L, null, bytes("v"));
        clock.set(11_000);
        BatchManifest first = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(anHourAhead + 1_000, first.batchTime());
        assertEquals(42, first.sequence());
        assertEquals(11_000, first.cutTime(), "the cut time is this host's");

        clock.set(15_000); // intervals pass, some of them empty
        assertTrue(slicer.cutIfDue().isEmpty());
        slicer.append("t", 0, 1, 1L, null, bytes("v"));
        clock.set(16_000);
        BatchManifest second = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(anHourAhead + 2_000, second.batchTime());
        assertEquals(43, second.sequence());

        slicer.resumeAfter(1, 5_000); // an older cursor never moves anything back
        slicer.append("t", 0, 2, 1L, null, bytes("v"));
        clock.set(17_000);
        BatchManifest third = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(anHourAhead + 3_000, third.batchTime());
        assertEquals(44, third.sequence());
    }

    @Test
    void aBatchThatCouldNotBeStoredIsCutAgainUnderItsTimeAndSequence() {
        slicer.append("t", 0, 0, 1L, null, bytes("v"));
        clock.set(11_000);
        BatchManifest failed = slicer.cutIfDue().orElseThrow().manifest();
        slicer.redo(failed);

        clock.set(11_500);
        assertTrue(slicer.cutIfDue().isEmpty(), "not due");
        clock.set(12_000);
        assertTrue(slicer.cutIfDue().isEmpty(), "nothing read again yet: no batch, and the redo waits");
        slicer.append("t", 0, 0, 1L, null, bytes("v"));
        slicer.append("t", 0, 1, 1L, null, bytes("v"));
        clock.set(13_000);
        BatchManifest again = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(failed.batchTime(), again.batchTime());
        assertEquals(failed.sequence(), again.sequence());
        assertEquals(List.of(new OffsetRange("t", 0, 0, 2)), again.ranges());

        slicer.append("t", 0, 2, 1L, null, bytes("v"));
        clock.set(14_000);
        BatchManifest next = slicer.cutIfDue().orElseThrow().manifest();
        assertEquals(14_000, next.batchTime());
        assertEquals(failed.sequence() + 1, next.sequence());
    }

    private static void appendSourceRecord(BatchSlicer to, int source, int offset) {
        to.append("t" + source % 2, source, offset, offset, offset % 3 == 0 ? bytes("k" + offset % 7) : null,
                bytes("v" + source + "-" + offset));
    }

    private static void appendSourceRecord(BatchSlicer.Rebuild to, int source, int offset) {
        to.append("t" + source % 2, source, offset, offset, offset % 3 == 0 ? bytes("k" + offset % 7) : null,
                bytes("v" + source + "-" + offset));
    }

    @Test
    void theSameKeyAlwaysLandsInTheSamePartitionAcrossBatches() {
        slicer.append("t", 0, 0, 0, bytes("stable"), bytes("1"));
        clock.set(11_000);
        int first = partitionHolding(slicer.cutIfDue());
        slicer.append("t", 0, 1, 0, bytes("stable"), bytes("2"));
        clock.set(12_000);
        assertEquals(first, partitionHolding(slicer.cutIfDue()));
    }

    private static int partitionHolding(Optional<SlicedBatch> batch) {
        List<Integer> counts = batch.orElseThrow().manifest().recordsPerPartition();
        for (int p = 0; p < counts.size(); p++) {
            if (counts.get(p) == 1) {
                return p;
            }
        }
        throw new AssertionError("no partition holds the record: " + counts);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
