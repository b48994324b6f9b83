package io.sluice.core.store;

/**
 * The records a batch took from one Kafka partition: offsets {@code [from, until)}.
 *
 * @param topic the topic
 * @param partition the Kafka partition
 * @param from the first offset in the batch
 * @param until one past the last offset in the batch; what is committed when the batch is done
 */
public record OffsetRange(String topic, int partition, long from, long until) {

    public OffsetRange {
        if (from < 0 || until < from) {
            throw new IllegalArgumentException("bad offset range [" + from + ", " + until + ") for " + topic + "-" + partition);
        }
    }

    /** @return how many offsets the range spans */
    public long count() {
        return until - from;
    }
}
