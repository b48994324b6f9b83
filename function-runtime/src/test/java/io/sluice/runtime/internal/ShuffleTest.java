package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.function.Record;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShuffleTest {

    private static List<Map.Entry<byte[], byte[]>> records(int n) {
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new SimpleImmutableEntry<>(("key-" + (i % 37)).getBytes(StandardCharsets.UTF_8),
                    Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void aMapBlockHoldsEveryRecordOnceUnderItsKeysPartition() {
        Block block = Block.decode(Shuffle.write(records(500), 4, 1000));
        assertEquals(500, block.size());
        List<Integer> counts = Shuffle.counts(block, 4);
        assertEquals(500, counts.stream().mapToInt(Integer::intValue).sum());
        for (Record r : block) {
            assertEquals(Shuffle.partitionOf(r.key(), 4), r.sourcePartition());
            assertEquals(1000, r.timestamp());
        }
    }

    @Test
    void theSameOutputMakesTheSameBlockByteForByte() {
        assertArrayEquals(Shuffle.write(records(300), 3, 7), Shuffle.write(records(300), 3, 7));
    }

    @Test
    void aReduceTaskSeesItsPartitionOfEveryMapBlockGroupedByKeyInMapOrder() {
        byte[] first = Shuffle.write(records(200), 2, 1000);
        byte[] second = Shuffle.write(records(100), 2, 1000);
        int expected = Shuffle.counts(Block.decode(first), 2).get(1) + Shuffle.counts(Block.decode(second), 2).get(1);
        Block input = Shuffle.read(List.of(first, second), 1, 1000);
        assertEquals(expected, input.size());
        String previousKey = null;
        int previousValue = -1;
        int dropsInKey = 0;
        List<String> seenKeys = new ArrayList<>();
        for (Record r : input) {
            assertEquals(1, Shuffle.partitionOf(r.key(), 2));
            String key = r.keyAsString();
            int value = Integer.parseInt(r.valueAsString());
            if (key.equals(previousKey)) {
                // within a key, values rise through the first map block's records, drop once, and
                // rise through the second's: map order, then emission order
                dropsInKey += value < previousValue ? 1 : 0;
                assertTrue(dropsInKey <= 1, key + ": records out of map order at " + value);
            } else {
                dropsInKey = 0;
                assertTrue(!seenKeys.contains(key), "key " + key + " appears in two groups");
                seenKeys.add(key);
                assertTrue(previousKey == null || previousKey.compareTo(key) < 0, previousKey + " before " + key);
            }
            previousKey = key;
            previousValue = value;
        }
        assertArrayEquals(Shuffle.read(List.of(first, second), 1, 1000).get(0).key(), input.get(0).key(),
                "read again, the input is the same");
    }
}
