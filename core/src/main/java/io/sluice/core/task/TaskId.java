package io.sluice.core.task;

import java.util.Objects;

/**
 * A task: one partition of one batch of one pipeline. Every attempt at running it shares this
 * identity, and so does the block it reads.
 *
 * @param pipeline the pipeline name
 * @param batchTime the batch time in epoch milliseconds (the end of the batch's interval)
 * @param partition the partition index within the batch
 */
public record TaskId(String pipeline, long batchTime, int partition) implements Comparable<TaskId> {

    public TaskId {
        Objects.requireNonNull(pipeline, "pipeline");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    /** @return the store key of this task's block, {@code pipeline/batchTime/partition} */
    public String blockKey() {
        return pipeline + '/' + batchTime + '/' + partition;
    }

    /** Oldest batch first, then partition order: the order in which pending tasks are dispatched. */
    @Override
    public int compareTo(TaskId other) {
        int byTime = Long.compare(batchTime, other.batchTime);
        if (byTime != 0) {
            return byTime;
        }
        int byPipeline = pipeline.compareTo(other.pipeline);
        return byPipeline != 0 ? byPipeline : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return blockKey();
    }
}
