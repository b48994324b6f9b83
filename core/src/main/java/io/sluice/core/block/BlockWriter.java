package io.sluice.core.block;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends records to one block as they arrive, then seals it into the bytes that are stored.
 *
 * <p>Record bytes are copied once, into a growing buffer; sealing copies the buffer once more to
 * its exact size. There is no per-record object. A writer is not thread-safe and is used once.
 */
public final class BlockWriter {

    private byte[] buf;
    private int size = BlockFormat.HEADER_SIZE;
    private int records;
    private final Map<String, Integer> topicIndex = new HashMap<>();
    private final List<String> topics = new ArrayList<>();
    private boolean sealed;

    /** Creates a writer with a small initial buffer that grows as needed. */
    public BlockWriter() {
        this(4096);
    }

    /** @param initialCapacity the initial buffer size in bytes */
    public BlockWriter(int initialCapacity) {
        buf = new byte[Math.max(initialCapacity, BlockFormat.HEADER_SIZE + 64)];
    }

    /**
     * Appends one record.
     *
     * @param topic the source topic
     * @param sourcePartition the source partition
     * @param offset the record's offset in its source partition
     * @param timestamp the record timestamp in epoch milliseconds
     * @param key the key, or {@code null}
     * @param value the value, or {@code null}
     */
    public void append(String topic, int sourcePartition, long offset, long timestamp, byte[] key, byte[] value) {
        if (sealed) {
            throw new IllegalStateException("block already sealed; records appended now would be lost");
        }
        int keyLen = key == null ? -1 : key.length;
        int valueLen = value == null ? -1 : value.length;
        ensure(BlockFormat.RECORD_FIXED_SIZE + Math.max(keyLen, 0) + Math.max(valueLen, 0));
        putLong(offset);
        putLong(timestamp);
        putShort(topicIndex(topic));
        putInt(sourcePartition);
        putBytes(key, keyLen);
        putBytes(value, valueLen);
        records++;
    }

    /** @return how many records were appended */
    public int recordCount() {
        return records;
    }

    /** @return how many bytes the sealed block will take, without the topic table */
    public int sizeInBytes() {
        return size;
    }

    /**
     * Writes the topic table and the header and returns the block.
     *
     * @return the encoded block, exactly sized
     */
    public byte[] seal() {
        if (sealed) {
            throw new IllegalStateException("block already sealed");
        }
        sealed = true;
        int tableOffset = size;
        byte[][] names = new byte[topics.size()][];
        int tableSize = 2;
        for (int i = 0; i < names.length; i++) {
            names[i] = topics.get(i).getBytes(StandardCharsets.UTF_8);
            tableSize += 2 + names[i].length;
        }
        ensure(tableSize);
        putShort(names.length);
        for (byte[] name : names) {
            putShort(name.length);
            System.arraycopy(name, 0, buf, size, name.length);
            size += name.length;
        }
        int end = size;
        size = 0;
        buf[size++] = BlockFormat.MAGIC_0;
        buf[size++] = BlockFormat.MAGIC_1;
        buf[size++] = BlockFormat.VERSION;
        buf[size++] = 0;
        putInt(records);
        putInt(tableOffset);
        size = end;
        byte[] block = buf.length == end ? buf : Arrays.copyOf(buf, end);
        buf = null;
        return block;
    }

    /** @return an empty sealed block */
    public static byte[] empty() {
        return new BlockWriter(0).seal();
    }

    private int topicIndex(String topic) {
        Integer index = topicIndex.get(topic);
        if (index != null) {
            return index;
        }
        if (topics.size() == BlockFormat.MAX_TOPICS) {
            throw new IllegalStateException("a block holds at most " + BlockFormat.MAX_TOPICS + " topics");
        }
        if (topic.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
            throw new IllegalArgumentException("topic name longer than 65535 bytes");
        }
        topics.add(topic);
        topicIndex.put(topic, topics.size() - 1);
        return topics.size() - 1;
    }

    private void ensure(int extra) {
        long needed = (long) size + extra;
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("block would exceed 2 GiB; use more partitions or a shorter batch interval");
        }
        if (needed > buf.length) {
            long grown = Math.max(needed, (long) buf.length * 2);
            buf = Arrays.copyOf(buf, (int) Math.min(grown, Integer.MAX_VALUE - 8));
        }
    }

    private void putBytes(byte[] bytes, int len) {
        putInt(len);
        if (len > 0) {
            System.arraycopy(bytes, 0, buf, size, len);
            size += len;
        }
    }

    private void putShort(int v) {
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void putInt(int v) {
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }
}
