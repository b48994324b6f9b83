package io.sluice.function;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One input record: the key, value and position it had in its source topic.
 *
 * <p>A record is a view over the batch's block. The {@code ...Buffer()} accessors return read-only
 * views without copying; {@link #key()} and {@link #value()} return fresh arrays, and the string
 * accessors decode UTF-8. Records stay valid after {@code apply} returns, so they may be kept.
 */
public interface Record {

    /** @return a copy of the key bytes, or {@code null} if the record has no key */
    byte[] key();

    /** @return a copy of the value bytes, or {@code null} if the record has no value (a tombstone) */
    byte[] value();

    /** @return a read-only view of the key bytes, or {@code null}; no copy is made */
    ByteBuffer keyBuffer();

    /** @return a read-only view of the value bytes, or {@code null}; no copy is made */
    ByteBuffer valueBuffer();

    /** @return the key length in bytes, or {@code -1} if there is no key */
    int keySize();

    /** @return the value length in bytes, or {@code -1} if there is no value */
    int valueSize();

    /** @return the record timestamp in epoch milliseconds, as Kafka reported it */
    long timestamp();

    /** @return the Kafka topic the record was read from */
    String topic();

    /** @return the Kafka partition of {@link #topic()} the record was read from */
    int sourcePartition();

    /** @return the record's offset in its Kafka partition */
    long offset();

    /** @return the key decoded as UTF-8, or {@code null} if there is no key */
    default String keyAsString() {
        ByteBuffer key = keyBuffer();
        return key == null ? null : StandardCharsets.UTF_8.decode(key).toString();
    }

    /** @return the value decoded as UTF-8, or {@code null} if there is no value */
    default String valueAsString() {
        ByteBuffer value = valueBuffer();
        return value == null ? null : StandardCharsets.UTF_8.decode(value).toString();
    }
}
