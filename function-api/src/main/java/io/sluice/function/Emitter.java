package io.sluice.function;

import java.nio.charset.StandardCharsets;

/**
 * Collects the output of one {@link BatchFunction#apply} call.
 *
 * <p>Records go to the pipeline's sink as they are emitted, and the attempt counts as done only
 * once the sink has acknowledged all of them. An attempt that fails part-way may have written
 * some records already: with the at-least-once Kafka sink a retry writes them again; a
 * transactional sink aborts them with the attempt.
 * Every output record's Kafka timestamp is its batch's time ({@link Batch#batchTime()}), so the
 * output of a batch can be told apart from the next one's, and a re-run writes the same records.
 * An emitter is used by one thread, the one running {@code apply}.
 */
public interface Emitter {

    /**
     * Emits one output record.
     *
     * @param key the record key, or {@code null}
     * @param value the record value, or {@code null}
     */
    void emit(byte[] key, byte[] value);

    /**
     * Emits one output record with UTF-8 encoded key and value.
     *
     * @param key the record key, or {@code null}
     * @param value the record value, or {@code null}
     */
    default void emit(String key, String value) {
        emit(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Emits an input record's key and value unchanged.
     *
     * @param record the record to pass through
     */
    default void emit(Record record) {
        emit(record.key(), record.value());
    }
}
