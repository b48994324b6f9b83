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
 *
 * <p><b>A block's bytes depend only on its records, not on the order they arrived in.</b> Sealing
 * groups the records by source topic (by name) and partition, keeping the order they were appended
 * in within each source, and the topic table lists topics by name. Ingest appends each source's
 * records in offset order but interleaves sources as its polls return them; a block rebuilt from
 * the same offsets (after a crash) polls differently, yet comes out byte for byte the same, so a
 * record index into a block (what a commit marker counts) means the same record in both.
 */
public final class BlockWriter {

    private byte[] buf;
    private int size = BlockFormat.HEADER_SIZE;
    private int records;
    private final Map<String, Integer> topicIndex = new HashMap<>();
    private final List<String> topics = new ArrayList<>();
    private boolean sealed;
    /** The source of the last record appended, and whether every source so far came in one run, in order. */
    private String lastTopic;
    private int lastPartition;
    private boolean grouped = true;

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
        if (records > 0 && grouped && (sourcePartition != lastPartition || !topic.equals(lastTopic))) {
            grouped = compareSources(topic, sourcePartition, lastTopic, lastPartition) > 0;
        }
        lastTopic = topic;
        lastPartition = sourcePartition;
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
        if (!grouped) {
            groupBySource();
        }
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

    private static int compareSources(String topicA, int partitionA, String topicB, int partitionB) {
        int byTopic = topicA.compareTo(topicB);
        return byTopic != 0 ? byTopic : Integer.compare(partitionA, partitionB);
    }

    /**
     * Rewrites the buffer with the records grouped by source, sources ordered by topic name and
     * partition, each source's records in the order appended (a stable counting sort), and the
     * topics renumbered by name. The new buffer is sized for the topic table, so sealing copies no more.
     */
    private void groupBySource() {
        int[] starts = new int[records + 1];
        int[] sourceOf = new int[records];
        Map<Long, Integer> sourceIds = new HashMap<>();
        List<long[]> sources = new ArrayList<>(); // {topic index, partition}
        int pos = BlockFormat.HEADER_SIZE;
        for (int i = 0; i < records; i++) {
            starts[i] = pos;
            int topic = getShort(pos + 16);
            int partition = getInt(pos + 18);
            Integer id = sourceIds.get(((long) topic << 32) | (partition & 0xFFFF_FFFFL));
            if (id == null) {
                id = sources.size();
                sourceIds.put(((long) topic << 32) | (partition & 0xFFFF_FFFFL), id);
                sources.add(new long[] {topic, partition});
            }
            sourceOf[i] = id;
            int keyLen = getInt(pos + 22);
            pos += 26 + Math.max(keyLen, 0);
            pos += 4 + Math.max(getInt(pos), 0);
        }
        starts[records] = pos;

        List<String> byName = new ArrayList<>(topics);
        byName.sort(null);
        int[] newTopic = new int[topics.size()];
        for (int t = 0; t < newTopic.length; t++) {
            newTopic[t] = byName.indexOf(topics.get(t));
        }
        Integer[] order = new Integer[sources.size()];
        for (int s = 0; s < order.length; s++) {
            order[s] = s;
        }
        Arrays.sort(order, (a, b) -> compareSources(topics.get((int) sources.get(a)[0]), (int) sources.get(a)[1],
                topics.get((int) sources.get(b)[0]), (int) sources.get(b)[1]));
        int[] rank = new int[order.length];
        for (int r = 0; r < order.length; r++) {
            rank[order[r]] = r;
        }
        int[] bucketStart = new int[order.length + 1];
        for (int i = 0; i < records; i++) {
            bucketStart[rank[sourceOf[i]] + 1] += starts[i + 1] - starts[i];
        }
        for (int r = 0; r < order.length; r++) {
            bucketStart[r + 1] += bucketStart[r];
        }

        int tableSize = 2;
        for (String name : byName) {
            tableSize += 2 + name.getBytes(StandardCharsets.UTF_8).length;
        }
        byte[] out = new byte[size + tableSize];
        for (int i = 0; i < records; i++) {
            int r = rank[sourceOf[i]];
            int at = BlockFormat.HEADER_SIZE + bucketStart[r];
            int length = starts[i + 1] - starts[i];
            System.arraycopy(buf, starts[i], out, at, length);
            int topic = newTopic[getShort(starts[i] + 16)];
            out[at + 16] = (byte) (topic >>> 8);
            out[at + 17] = (byte) topic;
            bucketStart[r] += length;
        }
        buf = out;
        topics.clear();
        topics.addAll(byName);
        topicIndex.clear();
        for (int t = 0; t < byName.size(); t++) {
            topicIndex.put(byName.get(t), t);
        }
    }

    private int getShort(int at) {
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
    }

    private int getInt(int at) {
        return ((buf[at] & 0xFF) << 24) | ((buf[at + 1] & 0xFF) << 16) | ((buf[at + 2] & 0xFF) << 8) | (buf[at + 3] & 0xFF);
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
