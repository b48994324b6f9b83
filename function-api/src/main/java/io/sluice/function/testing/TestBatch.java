package io.sluice.function.testing;

import io.sluice.function.Batch;
import io.sluice.function.Record;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A {@link Batch} held in memory, for unit tests of functions.
 *
 * <pre>{@code
 * Batch batch = TestBatch.of(TestRecord.of("k", "to be or not to be"));
 * CollectingEmitter out = new CollectingEmitter();
 * new WordCount().apply(batch, out);
 * }</pre>
 */
public final class TestBatch implements Batch {

    private final String pipeline;
    private final long batchTime;
    private final int partition;
    private final int partitionCount;
    private final List<Record> records;

    /**
     * @param pipeline       the pipeline name
     * @param batchTime      the batch time in epoch milliseconds
     * @param partition      this partition's index
     * @param partitionCount the number of partitions of the batch
     * @param records        the records, in order
     */
    public TestBatch(String pipeline, long batchTime, int partition, int partitionCount, List<? extends Record> records) {
        if (partition < 0 || partition >= partitionCount) {
            throw new IllegalArgumentException("partition " + partition + " is not in [0, " + partitionCount + ")");
        }
        this.pipeline = pipeline;
        this.batchTime = batchTime;
        this.partition = partition;
        this.partitionCount = partitionCount;
        this.records = List.copyOf(records);
    }

    /**
     * @param records the records, in order
     * @return partition 0 of 1 of batch time 0 in pipeline {@code test}
     */
    public static TestBatch of(Record... records) {
        return new TestBatch("test", 0L, 0, 1, List.of(records));
    }

    /**
     * @param values record values, UTF-8 encoded, each with a {@code null} key
     * @return partition 0 of 1 of batch time 0 in pipeline {@code test}
     */
    public static TestBatch ofValues(String... values) {
        List<Record> records = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            TestRecord r = TestRecord.of(null, values[i]);
            records.add(new TestRecord(r.key(), r.value(), 0L, "test", 0, i));
        }
        return new TestBatch("test", 0L, 0, 1, records);
    }

    @Override
    public String pipeline() {
        return pipeline;
    }

    @Override
    public long batchTime() {
        return batchTime;
    }

    @Override
    public int partition() {
        return partition;
    }

    @Override
    public int partitionCount() {
        return partitionCount;
    }

    @Override
    public int size() {
        return records.size();
    }

    @Override
    public Iterator<Record> iterator() {
        return records.iterator();
    }
}
