package io.sluice.core.block;

import io.sluice.core.task.TaskId;
import io.sluice.function.Batch;
import io.sluice.function.Record;

import java.util.Iterator;

/**
 * The {@link Batch} a function sees: one decoded block plus the task it belongs to.
 *
 * @param task the task whose block this is
 * @param partitionCount how many partitions the batch has
 * @param block the decoded block
 */
public record BlockBatch(TaskId task, int partitionCount, Block block) implements Batch {

    @Override
    public String pipeline() {
        return task.pipeline();
    }

    @Override
    public long batchTime() {
        return task.batchTime();
    }

    @Override
    public int partition() {
        return task.partition();
    }

    @Override
    public int size() {
        return block.size();
    }

    @Override
    public Iterator<Record> iterator() {
        return block.iterator();
    }
}
