package io.sluice.core.task;

import java.util.Objects;

/**
 * A task: one partition of one stage of one batch of one pipeline. Every attempt at running it
 * shares this identity. A stage-0 task reads the input block of the same partition; a task of a
 * later stage reads its partition of every output block of the stage before.
 *
 * @param pipeline the pipeline name
 * @param batchTime the batch time in epoch milliseconds (the end of the batch's interval)
 * @param stage the stage within the pipeline, from 0 (the one that reads the input)
 * @param partition the partition index within the stage
 */
public record TaskId(String pipeline, long batchTime, int stage, int partition) implements Comparable<TaskId> {

    /** The most stages a pipeline may have. */
    public static final int MAX_STAGES = 8;

    public TaskId {
        Objects.requireNonNull(pipeline, "pipeline");
        if (stage < 0 || stage >= MAX_STAGES) {
            throw new IllegalArgumentException("stage must be 0 to " + (MAX_STAGES - 1) + ", was " + stage);
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    /** A task of stage 0, the stage that reads the input blocks. */
    public TaskId(String pipeline, long batchTime, int partition) {
        this(pipeline, batchTime, 0, partition);
    }

    /**
     * @return the store key of the input block this stage-0 task reads, {@code pipeline/batchTime/partition}
     * @throws IllegalStateException for a task of a later stage, which reads shuffle blocks
     */
    public String blockKey() {
        if (stage != 0) {
            throw new IllegalStateException(this + " reads shuffle blocks, not an input block");
        }
        return pipeline + '/' + batchTime + '/' + partition;
    }

    /**
     * @return the store key of the shuffle block this task writes for the next stage,
     *     {@code pipeline/batchTime/s<stage>/partition}; written once, first writer wins
     */
    public String shuffleKey() {
        return pipeline + '/' + batchTime + "/s" + stage + '/' + partition;
    }

    /**
     * Oldest batch first, then the earlier stage, then partition order: the order in which pending
     * tasks are dispatched.
     */
    @Override
    public int compareTo(TaskId other) {
        int byTime = Long.compare(batchTime, other.batchTime);
        if (byTime != 0) {
            return byTime;
        }
        int byPipeline = pipeline.compareTo(other.pipeline);
        if (byPipeline != 0) {
            return byPipeline;
        }
        int byStage = Integer.compare(stage, other.stage);
        return byStage != 0 ? byStage : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return stage == 0 ? blockKey() : pipeline + '/' + batchTime + "/s" + stage + '/' + partition;
    }
}
