package io.sluice.function.testing;

import io.sluice.function.Record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A {@link Record} held in memory, for unit tests of functions.
 *
 * @param key             the key bytes, or {@code null}
 * @param value           the value bytes, or {@code null}
 * @param timestamp       the record timestamp in epoch milliseconds
 * @param topic           the source topic
 * @param sourcePartition the source partition
 * @param offset          the source offset
 */
public record TestRecord(byte[] key, byte[] value, long timestamp, String topic, int sourcePartition, long offset)
        implements Record {

    /**
     * @param key   the key, UTF-8 encoded, or {@code null}
     * @param value the value, UTF-8 encoded, or {@code null}
     * @return a record from topic {@code test}, partition 0, offset 0, timestamp 0
     */
    public static TestRecord of(String key, String value) {
        return new TestRecord(utf8(key), utf8(value), 0L, "test", 0, 0L);
    }

    @Override
    public ByteBuffer keyBuffer() {
        return key == null ? null : ByteBuffer.wrap(key).asReadOnlyBuffer();
    }

    @Override
    public ByteBuffer valueBuffer() {
        return value == null ? null : ByteBuffer.wrap(value).asReadOnlyBuffer();
    }

    @Override
    public int keySize() {
        return key == null ? -1 : key.length;
    }

    @Override
    public int valueSize() {
        return value == null ? -1 : value.length;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
