package io.sluice.scheduler.internal;

import io.sluice.core.block.BlockWriter;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.OffsetRange;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cuts one pipeline's input into micro-batches at a fixed interval.
 *
 * <p>Records are appended straight into one {@link BlockWriter} per partition of the open batch:
 * by key hash (Kafka's murmur2, so a key always lands in the same partition), or, for records
 * without a key, by a hash of where the record is (topic, partition, offset). Both rules depend on
 * the record alone, never on what else arrived or in which order, so a batch rebuilt from its
 * manifest's offsets after a crash puts every record where the original did (and the writers
 * group records by source when sealing, so the blocks are byte for byte the same).
 *
 * <p>Batch times are the ends of intervals aligned to the epoch, as in Spark Streaming: with a 1 s
 * interval, batches are stamped 10:00:01.000, 10:00:02.000, ... <b>Empty intervals are skipped</b>:
 * an interval in which no record arrived produces no batch, no manifest and no tasks. There is
 * nothing to run or commit, and skipping keeps an idle pipeline free. If the slicer is polled late,
 * everything since the last cut goes into one batch stamped with the latest interval end that has
 * passed.
 *
 * <p><b>Batch times and sequences only go forward</b>, also across schedulers: a slicer that
 * {@linkplain #resumeAfter resumes} after an earlier scheduler's last batch stamps every batch
 * later than that one, even if this host's clock is behind. The local clock still decides when a
 * cut is due; it never moves a batch time back.
 *
 * <p>Not thread-safe: one ingest thread owns it.
 */
final class BatchSlicer {

    private final String pipeline;
    private final long intervalMs;
    private final int partitions;
    private final List<Integer> laterStages;
    private final Clock clock;

    private long nextBoundary;
    private long sequence;
    /** The batch time of the last batch cut here or by an earlier scheduler; the next one is later. */
    private long lastBatchTime = NONE;
    /** A batch that could not be stored: the next cut takes its batch time and sequence again. */
    private BatchManifest redo;
    private OpenBatch open;

    private static final long NONE = Long.MIN_VALUE;

    BatchSlicer(String pipeline, Duration interval, int partitions, Clock clock) {
        this(pipeline, interval, partitions, List.of(), clock);
    }

    /** @param laterStages the partition counts of the pipeline's stages after the first, for the manifests */
    BatchSlicer(String pipeline, Duration interval, int partitions, List<Integer> laterStages, Clock clock) {
        this.pipeline = pipeline;
        this.intervalMs = interval.toMillis();
        this.partitions = partitions;
        this.laterStages = List.copyOf(laterStages);
        this.clock = clock;
        this.nextBoundary = boundaryAfter(clock.millis());
        this.open = new OpenBatch(partitions);
    }

    /** Appends one input record to the open batch. */
    void append(String topic, int sourcePartition, long offset, long timestamp, byte[] key, byte[] value) {
        open.append(topic, sourcePartition, offset, timestamp, key, value);
    }

    /**
     * Continues after batches a previous scheduler cut: sequences go on from {@code nextSequence}
     * and batch times stay after {@code lastBatchTime}, so recovered and new batches never collide
     * and nothing new looks older than what has committed.
     */
    void resumeAfter(long nextSequence, long lastBatchTime) {
        sequence = Math.max(sequence, nextSequence);
        this.lastBatchTime = Math.max(this.lastBatchTime, lastBatchTime);
    }

    /**
     * The batch could not be stored, and its records are read again: the next batch cut takes the
     * same batch time and sequence, so whatever part of it reached the store is overwritten and no
     * batch after it exists before it.
     */
    void redo(BatchManifest failed) {
        redo = failed;
    }

    /** Starts rebuilding the blocks of a batch whose manifest survived a crash and whose blocks did not. */
    static Rebuild rebuild(BatchManifest manifest) {
        return new Rebuild(manifest);
    }

    /** The blocks of one recovered batch, refilled from its manifest's offset ranges. */
    static final class Rebuild {
        private final BatchManifest manifest;
        private final OpenBatch batch;

        private Rebuild(BatchManifest manifest) {
            this.manifest = manifest;
            this.batch = new OpenBatch(manifest.partitions());
        }

        BatchManifest manifest() {
            return manifest;
        }

        void append(String topic, int sourcePartition, long offset, long timestamp, byte[] key, byte[] value) {
            batch.append(topic, sourcePartition, offset, timestamp, key, value);
        }

        /**
         * @return the blocks under the recovered manifest, which stays as it was
         * @throws BatchMismatchException if the records read again do not fill the partitions as
         *     the manifest says the original did
         */
        SlicedBatch seal() {
            SlicedBatch sealed = batch.seal(manifest.pipeline(), manifest.batchTime(), manifest.sequence(), manifest.cutTime(),
                    manifest.laterStages());
            List<Integer> counts = sealed.manifest().recordsPerPartition();
            if (manifest.countsUnknown()) {
                // a query's batch: its ranges were chosen by offset, and only reading them counts the records
                return new SlicedBatch(new BatchManifest(manifest.pipeline(), manifest.batchTime(), manifest.sequence(),
                        manifest.cutTime(), manifest.ranges(), counts, manifest.laterStages()), sealed.blocks());
            }
            if (!counts.equals(manifest.recordsPerPartition())) {
                throw new BatchMismatchException(manifest, counts);
            }
            return new SlicedBatch(manifest, sealed.blocks());
        }
    }

    /** @return milliseconds until the open batch is due, never negative */
    long millisUntilDue() {
        return Math.max(0, nextBoundary - clock.millis());
    }

    /** @return the number of records in the open batch */
    int openRecords() {
        return open.records;
    }

    /** @return how many bytes the open batch's blocks take so far */
    long openBytes() {
        return open.bytes();
    }

    /**
     * Cuts the open batch if its interval has ended.
     *
     * @return the cut batch, or empty if the interval has not ended or held no records
     */
    Optional<SlicedBatch> cutIfDue() {
        return cutIfDue(false);
    }

    /**
     * Cuts the open batch if its interval has ended.
     *
     * @param evenIfEmpty whether to cut a batch that holds no records
     * @return the cut batch, or empty if the interval has not ended or, unless asked, held no records
     */
    Optional<SlicedBatch> cutIfDue(boolean evenIfEmpty) {
        long now = clock.millis();
        if (now < nextBoundary) {
            return Optional.empty();
        }
        long boundary = now - Math.floorMod(now, intervalMs);
        nextBoundary = boundary + intervalMs;
        // A batch cut again waits for its records to be read again; an empty one (a stateful
        // pipeline's) has none to wait for.
        if (open.records == 0 && (redo != null ? redo.records() > 0 : !evenIfEmpty)) {
            return Optional.empty();
        }
        long batchTime;
        long batchSequence;
        if (redo != null) {
            batchTime = redo.batchTime();
            batchSequence = redo.sequence();
            redo = null;
        } else {
            batchTime = lastBatchTime == NONE ? boundary : Math.max(boundary, lastBatchTime + intervalMs);
            batchSequence = sequence++;
            lastBatchTime = batchTime;
        }
        OpenBatch cut = open;
        open = new OpenBatch(partitions);
        return Optional.of(cut.seal(pipeline, batchTime, batchSequence, now, laterStages));
    }

    /**
     * @return the partition a record goes to: by Kafka's murmur2 hash of its key, or, without a key,
     *     by a hash of its topic, partition and offset, which a rebuild sees the same (a counter
     *     over arrival order would not). Offsets are hashed, not taken modulo, because a
     *     transactional producer's offsets skip its commit markers and would fill every other partition.
     */
    static int partitionOf(String topic, int sourcePartition, long offset, byte[] key, int partitions) {
        if (key != null) {
            return Utils.toPositive(Utils.murmur2(key)) % partitions;
        }
        long h = offset * 0x9E37_79B9_7F4A_7C15L + ((long) sourcePartition << 32) + topic.hashCode();
        h = (h ^ (h >>> 30)) * 0xBF58_476D_1CE4_E5B9L; // splitmix64's finaliser
        h = (h ^ (h >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return (int) Math.floorMod(h ^ (h >>> 31), (long) partitions);
    }

    private long boundaryAfter(long now) {
        return now - Math.floorMod(now, intervalMs) + intervalMs;
    }

    /** The records of the batch being filled, already laid out as blocks. */
    private static final class OpenBatch {
        private final BlockWriter[] writers;
        private final Map<TopicPartition, long[]> ranges = new LinkedHashMap<>();
        private int records;

        OpenBatch(int partitions) {
            writers = new BlockWriter[partitions];
            for (int p = 0; p < partitions; p++) {
                writers[p] = new BlockWriter();
            }
        }

        void append(String topic, int sourcePartition, long offset, long timestamp, byte[] key, byte[] value) {
            int p = partitionOf(topic, sourcePartition, offset, key, writers.length);
            writers[p].append(topic, sourcePartition, offset, timestamp, key, value);
            long[] range = ranges.computeIfAbsent(new TopicPartition(topic, sourcePartition), tp -> new long[] {offset, offset});
            range[1] = offset;
            records++;
        }

        long bytes() {
            long sum = 0;
            for (BlockWriter w : writers) {
                sum += w.sizeInBytes();
            }
            return sum;
        }

        SlicedBatch seal(String pipeline, long batchTime, long sequence, long cutTime, List<Integer> laterStages) {
            List<OffsetRange> offsetRanges = new ArrayList<>(ranges.size());
            ranges.forEach((tp, r) -> offsetRanges.add(new OffsetRange(tp.topic(), tp.partition(), r[0], r[1] + 1)));
            List<Integer> counts = new ArrayList<>(writers.length);
            List<byte[]> blocks = new ArrayList<>(writers.length);
            for (BlockWriter w : writers) {
                counts.add(w.recordCount());
                blocks.add(w.seal());
            }
            return new SlicedBatch(new BatchManifest(pipeline, batchTime, sequence, cutTime, offsetRanges, counts,
                    laterStages), blocks);
        }
    }
}
