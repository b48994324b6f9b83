package io.sluice.runtime.internal;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * An exactly-once attempt's output, held until the function has returned: only then does the
 * attempt take its transactional id and write, so computing never holds the id.
 */
final class BufferedOutput implements AttemptSink {

    private final String description;
    private final String topic;
    private final long timestamp;
    private final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    private volatile boolean cancelled;

    /** @param timestamp what every emitted record's timestamp is: its batch's time */
    BufferedOutput(String description, String topic, long timestamp) {
        this.description = description;
        this.topic = topic;
        this.timestamp = timestamp;
    }

    @Override
    public void emit(byte[] key, byte[] value) {
        add(new ProducerRecord<>(topic, null, timestamp, key, value));
    }

    /** Adds a record for any topic, with headers, as dead-lettering does. */
    void add(ProducerRecord<byte[], byte[]> record) {
        if (cancelled) {
            throw new CancellationException(description + " was cancelled");
        }
        records.add(record);
    }

    List<ProducerRecord<byte[], byte[]>> records() {
        return records;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public long sent() {
        return records.size();
    }

    @Override
    public void finish() {
        // written by TransactionalSink.commit
    }

    @Override
    public void abandon() {
        records.clear();
    }
}
