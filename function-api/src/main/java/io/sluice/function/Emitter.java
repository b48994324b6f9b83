package io.sluice.function;

import java.nio.charset.StandardCharsets;

/**
 * Collects the output of one {@link BatchFunction#apply} call.
 *
 * <p>Output is buffered per attempt: it reaches the pipeline's sink only when {@code apply}
 * returns normally, and an attempt that fails or is abandoned leaves nothing behind (with the
 * exactly-once sink) or may be written again by a retry (with the at-least-once sink).
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
