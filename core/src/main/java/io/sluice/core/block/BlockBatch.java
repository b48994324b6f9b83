package io.sluice.core.block;

import io.sluice.core.task.TaskId;
import io.sluice.function.Batch;
import io.sluice.function.Record;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The {@link Batch} a function sees: records {@code [from, until)} of one decoded block, plus the
 * task it belongs to. The range is the whole block except while a failing block is bisected.
 *
 * @param task the task whose block this is
 * @param partitionCount how many partitions the batch has
 * @param block the decoded block
 * @param from the first record of the block in this batch
 * @param until one past the last record of the block in this batch
 */
public record BlockBatch(TaskId task, int partitionCount, Block block, int from, int until) implements Batch {

    public BlockBatch {
        if (from < 0 || until < from || until > block.size()) {
            throw new IllegalArgumentException("records [" + from + ", " + until + ") are not in a block of " + block.size());
        }
    }

    /** The whole block. */
    public BlockBatch(TaskId task, int partitionCount, Block block) {
        this(task, partitionCount, block, 0, block.size());
    }

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
        return until - from;
    }

    @Override
    public Iterator<Record> iterator() {
        return new Iterator<>() {
            private int next = from;

            @Override
            public boolean hasNext() {
                return next < until;
            }

            @Override
            public Record next() {
                if (next >= until) {
                    throw new NoSuchElementException();
                }
                return block.get(next++);
            }
        };
    }
}
