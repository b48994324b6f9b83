package io.sluice.core.block;

import io.sluice.function.Record;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockCodecTest {

    @Test
    void roundTripsEveryField() {
        BlockWriter w = new BlockWriter(16);
        w.append("orders", 3, 42L, 1_700_000_000_123L, bytes("k1"), bytes("hello"));
        w.append("payments", 0, 7L, -1L, null, bytes("no key"));
        w.append("orders", 5, Long.MAX_VALUE, 0L, bytes(""), null);
        Block block = Block.decode(w.seal());
        // sealed grouped by source: orders-3, orders-5, payments-0

        assertEquals(3, block.size());
        Record a = block.get(0);
        assertEquals("orders", a.topic());
        assertEquals(3, a.sourcePartition());
        assertEquals(42L, a.offset());
        assertEquals(1_700_000_000_123L, a.timestamp());
        assertEquals("k1", a.keyAsString());
        assertEquals("hello", a.valueAsString());
        assertArrayEquals(bytes("hello"), a.value());

        Record b = block.get(2);
        assertEquals("payments", b.topic());
        assertNull(b.key(), "null key stays null");
        assertNull(b.keyBuffer());
        assertEquals(-1, b.keySize());
        assertEquals("no key", b.valueAsString());

        Record c = block.get(1);
        assertEquals("orders", c.topic());
        assertEquals(5, c.sourcePartition());
        assertEquals(Long.MAX_VALUE, c.offset());
        assertArrayEquals(new byte[0], c.key(), "empty key is not null");
        assertNull(c.value(), "tombstone");
        assertEquals(-1, c.valueSize());
    }

    @Test
    void emptyBlock() {
        Block block = Block.decode(BlockWriter.empty());
        assertEquals(0, block.size());
        assertFalse(block.iterator().hasNext());
    }

    @Test
    void largeValuesAndManyRecordsSurviveBufferGrowth() {
        Random random = new Random(7);
        byte[] big = new byte[3 * 1024 * 1024];
        random.nextBytes(big);
        BlockWriter w = new BlockWriter(64);
        w.append("t", 0, 0, 0, null, big);
        for (int i = 1; i <= 10_000; i++) {
            w.append("t", i % 8, i, i, bytes("k" + i), bytes("value-" + i));
        }
        Block block = Block.decode(w.seal());
        assertEquals(10_001, block.size());
        assertArrayEquals(big, block.get(0).value());
        // grouped by source partition, each in the order appended: 0 (the big value, 8, 16, ...), 1 (1, 9, ...), ...
        int index = 0;
        for (int partition = 0; partition < 8; partition++) {
            for (int i = partition == 0 ? 0 : partition; i <= 10_000; i += 8) {
                Record r = block.get(index++);
                assertEquals(partition, r.sourcePartition());
                if (i > 0) {
                    assertEquals("k" + i, r.keyAsString());
                }
            }
        }
        assertEquals(10_001, index);
    }

    @Test
    void theSameRecordsMakeTheSameBytesInWhateverOrderSourcesInterleave() {
        Random random = new Random(11);
        String[] topics = {"zeta", "alpha", "mid"};
        int[] next = new int[3 * 4];
        BlockWriter interleaved = new BlockWriter(32);
        for (int n = 0; n < 2_000; n++) {
            int source = random.nextInt(next.length);
            append(interleaved, topics[source / 4], source % 4, next[source]++);
        }
        BlockWriter grouped = new BlockWriter(32);
        for (String topic : new String[] {"alpha", "mid", "zeta"}) {
            int t = Arrays.asList(topics).indexOf(topic);
            for (int partition = 0; partition < 4; partition++) {
                for (int offset = 0; offset < next[t * 4 + partition]; offset++) {
                    append(grouped, topic, partition, offset);
                }
            }
        }
        byte[] a = interleaved.seal();
        byte[] b = grouped.seal();
        assertArrayEquals(b, a);

        Block block = Block.decode(a);
        assertEquals(2_000, block.size());
        Record first = block.get(0);
        assertEquals("alpha", first.topic());
        assertEquals(0, first.sourcePartition());
        assertEquals(0, first.offset());
        assertEquals("zeta", block.get(1_999).topic());
        for (int i = 1; i < block.size(); i++) {
            Record before = block.get(i - 1);
            Record r = block.get(i);
            if (before.topic().equals(r.topic()) && before.sourcePartition() == r.sourcePartition()) {
                assertEquals(before.offset() + 1, r.offset(), "offset order kept within a source");
                assertEquals("v" + r.topic() + r.sourcePartition() + "-" + r.offset(), r.valueAsString());
            }
        }
    }

    private static void append(BlockWriter w, String topic, int partition, long offset) {
        w.append(topic, partition, offset, offset * 7, offset % 3 == 0 ? null : bytes("k" + offset),
                bytes("v" + topic + partition + "-" + offset));
    }

    @Test
    void buffersAreReadOnlyViewsThatShareTheBlock() {
        BlockWriter w = new BlockWriter();
        w.append("t", 0, 0, 0, bytes("key"), bytes("value"));
        Block block = Block.decode(w.seal());
        ByteBuffer value = block.get(0).valueBuffer();
        assertTrue(value.isReadOnly());
        assertEquals(5, value.remaining());
        byte[] copy = block.get(0).value();
        copy[0] = 'X';
        assertEquals("value", block.get(0).valueAsString(), "value() returns a copy");
    }

    @Test
    void iterationIsRepeatable() {
        BlockWriter w = new BlockWriter();
        w.append("t", 0, 1, 0, null, bytes("a"));
        w.append("t", 0, 2, 0, null, bytes("b"));
        Block block = Block.decode(w.seal());
        for (int round = 0; round < 2; round++) {
            Iterator<Record> it = block.iterator();
            assertEquals("a", it.next().valueAsString());
            assertEquals("b", it.next().valueAsString());
            assertFalse(it.hasNext());
        }
    }

    @Test
    void rejectsWhatIsNotABlock() {
        assertThrows(BlockFormatException.class, () -> Block.decode(new byte[0]));
        assertThrows(BlockFormatException.class, () -> Block.decode(bytes("definitely not a block")));

        BlockWriter w = new BlockWriter();
        w.append("t", 0, 1, 0, bytes("k"), bytes("some value"));
        byte[] good = w.seal();
        BlockFormatException truncated = assertThrows(BlockFormatException.class,
                () -> Block.decode(Arrays.copyOf(good, good.length - 8)));
        assertTrue(truncated.getMessage().contains("truncated") || truncated.getMessage().contains("corrupt"),
                truncated.getMessage());

        byte[] badVersion = good.clone();
        badVersion[2] = 99;
        assertTrue(assertThrows(BlockFormatException.class, () -> Block.decode(badVersion)).getMessage().contains("version 99"));

        byte[] badLength = good.clone();
        badLength[12 + 22] = 0x7F;
        assertThrows(BlockFormatException.class, () -> Block.decode(badLength));
    }

    @Test
    void writerIsSingleUse() {
        BlockWriter w = new BlockWriter();
        w.seal();
        assertThrows(IllegalStateException.class, () -> w.append("t", 0, 0, 0, null, null));
        assertThrows(IllegalStateException.class, w::seal);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
