package io.sluice.function;

/**
 * One partition of one micro-batch: the records a single {@link BatchFunction#apply} call sees.
 *
 * <p>Iteration is cheap and repeatable: records are views over one immutable block, so iterating
 * twice reads the same records again without copying them.
 */
public interface Batch extends Iterable<Record> {

    /** @return the name of the pipeline this batch belongs to */
    String pipeline();

    /**
     * @return the batch time in epoch milliseconds: the end of the interval this batch covers, as
     *     in Spark Streaming. Batches of one pipeline have strictly increasing times.
     */
    long batchTime();

    /** @return which partition of the batch this is, from {@code 0} to {@code partitionCount() - 1} */
    int partition();

    /** @return how many partitions the batch was split into */
    int partitionCount();

    /** @return how many records this partition holds */
    int size();

    /** @return true if this partition holds no records */
    default boolean isEmpty() {
        return size() == 0;
    }
}
