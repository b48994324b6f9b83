package io.sluice.core.store;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import io.sluice.core.task.TaskId;

import java.util.ArrayList;
import java.util.List;

/**
 * What a batch is, written before its blocks: from a manifest a restarted scheduler rebuilds exactly
 * the same batch, tasks and offset commits.
 *
 * @param pipeline the pipeline
 * @param batchTime the batch time (end of its interval), epoch milliseconds
 * @param sequence the batch's position in its pipeline, counted from 0 over the pipeline's life (a
 *     scheduler that takes over continues after the {@link BatchCursor})
 * @param cutTime when the batch was cut and submitted, epoch milliseconds
 * @param ranges the offsets taken from every input partition that had records
 * @param recordsPerPartition how many records each block holds; its length is the partition count
 *     of stage 0
 * @param laterStages the partition counts of the pipeline's stages after stage 0, as they were
 *     when the batch was cut; empty for a one-stage pipeline
 */
public record BatchManifest(String pipeline, long batchTime, long sequence, long cutTime,
                            List<OffsetRange> ranges, List<Integer> recordsPerPartition, List<Integer> laterStages) {

    private static final int FORMAT = 2;

    public BatchManifest {
        ranges = List.copyOf(ranges);
        recordsPerPartition = List.copyOf(recordsPerPartition);
        laterStages = List.copyOf(laterStages);
    }

    /** The manifest of a one-stage pipeline's batch. */
    public BatchManifest(String pipeline, long batchTime, long sequence, long cutTime, List<OffsetRange> ranges,
                         List<Integer> recordsPerPartition) {
        this(pipeline, batchTime, sequence, cutTime, ranges, recordsPerPartition, List.of());
    }

    /**
     * @return whether the manifest names offset ranges without having read them, as a query's
     *     batches do: every partition's count is -1 until the batch is read
     */
    public boolean countsUnknown() {
        return !recordsPerPartition.isEmpty() && recordsPerPartition.stream().allMatch(n -> n == -1);
    }

    /** @return this batch under another pipeline and sequence, as a replay runs it again */
    public BatchManifest rerun(String newPipeline, long newSequence, long newCutTime, List<Integer> newLaterStages) {
        return new BatchManifest(newPipeline, batchTime, newSequence, newCutTime, ranges, recordsPerPartition, newLaterStages);
    }

    /** @return how many stages each batch runs */
    public int stages() {
        return 1 + laterStages.size();
    }

    /** @return how many partitions (tasks) the stage has */
    public int partitions(int stage) {
        return stage == 0 ? partitions() : laterStages.get(stage - 1);
    }

    /** @return the tasks of one stage, one per partition */
    public List<TaskId> tasks(int stage) {
        List<TaskId> tasks = new ArrayList<>(partitions(stage));
        for (int p = 0; p < partitions(stage); p++) {
            tasks.add(new TaskId(pipeline, batchTime, stage, p));
        }
        return tasks;
    }

    /** @return the store keys of the shuffle blocks the batch's stages write for the next, one per task */
    public List<String> shuffleKeys() {
        List<String> keys = new ArrayList<>();
        for (int stage = 0; stage < stages() - 1; stage++) {
            tasks(stage).forEach(t -> keys.add(t.shuffleKey()));
        }
        return keys;
    }

    /** @return how many partitions (and so blocks and tasks) the batch has */
    public int partitions() {
        return recordsPerPartition.size();
    }

    /** @return the number of input records in the batch */
    public long records() {
        long sum = 0;
        for (int n : recordsPerPartition) {
            sum += n;
        }
        return sum;
    }

    /** @return the batch's stage-0 tasks, one per partition, each reading one input block */
    public List<TaskId> tasks() {
        List<TaskId> tasks = new ArrayList<>(partitions());
        for (int p = 0; p < partitions(); p++) {
            tasks.add(new TaskId(pipeline, batchTime, p));
        }
        return tasks;
    }

    /** @return the store key of this manifest */
    public String key() {
        return key(pipeline, batchTime);
    }

    static String key(String pipeline, long batchTime) {
        return pipeline + '/' + batchTime;
    }

    public byte[] encode() {
        return new Encoder(64 + 32 * ranges.size())
                .u8(FORMAT).str(pipeline).i64(batchTime).i64(sequence).i64(cutTime)
                .list(ranges, (e, r) -> e.str(r.topic()).i32(r.partition()).i64(r.from()).i64(r.until()))
                .list(recordsPerPartition, Encoder::i32)
                .list(laterStages, Encoder::i32)
                .toByteArray();
    }

    public static BatchManifest decode(byte[] bytes) {
        Decoder in = new Decoder(bytes);
        int format = in.u8();
        if (format != FORMAT && format != 1) {
            throw new IllegalStateException("manifest format " + format + " is not readable by this build");
        }
        BatchManifest m = new BatchManifest(in.str(), in.i64(), in.i64(), in.i64(),
                in.list(d -> new OffsetRange(d.str(), d.i32(), d.i64(), d.i64())),
                in.list(Decoder::i32), format == 1 ? List.of() : in.list(Decoder::i32));
        in.end();
        return m;
    }
}
