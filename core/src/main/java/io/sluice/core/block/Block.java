package io.sluice.core.block;

import io.sluice.function.Record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A decoded block: an index over the encoded bytes, from which records are read as views.
 *
 * <p>Decoding walks the block once to find where each record starts and checks every length
 * against the block's bounds, so a truncated or corrupt block fails here with
 * {@link BlockFormatException} instead of later inside a user function.
 */
public final class Block implements Iterable<Record> {

    private final ByteBuffer bytes;
    private final String[] topics;
    private final int[] positions;

    private Block(ByteBuffer bytes, String[] topics, int[] positions) {
        this.bytes = bytes;
        this.topics = topics;
        this.positions = positions;
    }

    /**
     * @param block bytes produced by {@link BlockWriter#seal()}
     * @return the decoded block, sharing {@code block} without copying it
     * @throws BlockFormatException if the bytes are not a valid block
     */
    public static Block decode(byte[] block) {
        ByteBuffer buf = ByteBuffer.wrap(block).asReadOnlyBuffer();
        if (block.length < BlockFormat.HEADER_SIZE
                || buf.get(0) != BlockFormat.MAGIC_0 || buf.get(1) != BlockFormat.MAGIC_1) {
            throw new BlockFormatException("not a Sluice block (bad magic or too short: " + block.length + " bytes)");
        }
        if (buf.get(2) != BlockFormat.VERSION) {
            throw new BlockFormatException("unsupported block version " + buf.get(2) + "; this build reads version "
                    + BlockFormat.VERSION);
        }
        int count = buf.getInt(4);
        int tableOffset = buf.getInt(8);
        if (count < 0 || tableOffset < BlockFormat.HEADER_SIZE || tableOffset > block.length - 2) {
            throw new BlockFormatException("corrupt block header: " + count + " records, topic table at " + tableOffset);
        }
        String[] topics = readTopics(buf, tableOffset);
        int[] positions = new int[count];
        int pos = BlockFormat.HEADER_SIZE;
        for (int i = 0; i < count; i++) {
            positions[i] = pos;
            if (pos + BlockFormat.RECORD_FIXED_SIZE > tableOffset) {
                throw new BlockFormatException("block truncated at record " + i + " of " + count);
            }
            int topic = Short.toUnsignedInt(buf.getShort(pos + 16));
            if (topic >= topics.length) {
                throw new BlockFormatException("record " + i + " names topic " + topic + " of " + topics.length);
            }
            pos = skipBytes(buf, pos + 22, tableOffset, i);
            pos = skipBytes(buf, pos, tableOffset, i);
        }
        if (pos != tableOffset) {
            throw new BlockFormatException("block has " + (tableOffset - pos) + " stray bytes after " + count + " records");
        }
        return new Block(buf, topics, positions);
    }

    /** @return the number of records */
    public int size() {
        return positions.length;
    }

    /**
     * @param index the record index, from 0
     * @return a view of that record
     */
    public Record get(int index) {
        return new BlockRecord(index);
    }

    @Override
    public Iterator<Record> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < positions.length;
            }

            @Override
            public Record next() {
                if (next >= positions.length) {
                    throw new NoSuchElementException();
                }
                return new BlockRecord(next++);
            }
        };
    }

    private static String[] readTopics(ByteBuffer buf, int tableOffset) {
        int count = Short.toUnsignedInt(buf.getShort(tableOffset));
        String[] topics = new String[count];
        int pos = tableOffset + 2;
        for (int i = 0; i < count; i++) {
            if (pos + 2 > buf.limit()) {
                throw new BlockFormatException("topic table truncated");
            }
            int len = Short.toUnsignedInt(buf.getShort(pos));
            if (pos + 2 + len > buf.limit()) {
                throw new BlockFormatException("topic table truncated");
            }
            topics[i] = new String(copy(buf, pos + 2, len),
                    StandardCharsets.UTF_8);
            pos += 2 + len;
        }
        return topics;
    }

    private static byte[] copy(ByteBuffer buf, int from, int len) {
        byte[] out = new byte[len];
        buf.get(from, out, 0, len);
        return out;
    }

    private static int skipBytes(ByteBuffer buf, int pos, int limit, int record) {
        int len = buf.getInt(pos);
        if (len < -1 || pos + 4L + Math.max(len, 0) > limit) {
            throw new BlockFormatException("record " + record + " has a length (" + len + ") past the block's end");
        }
        return pos + 4 + Math.max(len, 0);
    }

    /** A record read in place from the block. */
    private final class BlockRecord implements Record {
        private final int pos;

        BlockRecord(int index) {
            this.pos = positions[index];
        }

        private int keyLengthAt() {
            return bytes.getInt(pos + 22);
        }

        private int valuePos() {
            return pos + 26 + Math.max(keyLengthAt(), 0);
        }

        @Override
        public byte[] key() {
            return copyOrNull(pos + 26, keyLengthAt());
        }

        @Override
        public byte[] value() {
            int vp = valuePos();
            return copyOrNull(vp + 4, bytes.getInt(vp));
        }

        @Override
        public ByteBuffer keyBuffer() {
            return sliceOrNull(pos + 26, keyLengthAt());
        }

        @Override
        public ByteBuffer valueBuffer() {
            int vp = valuePos();
            return sliceOrNull(vp + 4, bytes.getInt(vp));
        }

        @Override
        public int keySize() {
            return keyLengthAt();
        }

        @Override
        public int valueSize() {
            return bytes.getInt(valuePos());
        }

        @Override
        public long timestamp() {
            return bytes.getLong(pos + 8);
        }

        @Override
        public String topic() {
            return topics[Short.toUnsignedInt(bytes.getShort(pos + 16))];
        }

        @Override
        public int sourcePartition() {
            return bytes.getInt(pos + 18);
        }

        @Override
        public long offset() {
            return bytes.getLong(pos);
        }

        private byte[] copyOrNull(int from, int len) {
            return len < 0 ? null : copy(bytes, from, len);
        }

        private ByteBuffer sliceOrNull(int from, int len) {
            return len < 0 ? null : bytes.slice(from, len).asReadOnlyBuffer();
        }

        @Override
        public String toString() {
            return topic() + "/" + sourcePartition() + "@" + offset();
        }
    }
}
