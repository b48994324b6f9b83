package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.block.BlockWriter;
import io.sluice.function.Record;
import org.apache.kafka.common.utils.Utils;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The two sides of a shuffle through the batch store.
 *
 * <p>A map task's output becomes one shuffle block: a {@link Block} whose records carry their
 * downstream partition as their source partition, so sealing groups them by partition, in the
 * order they were emitted. A reduce task reads its partition of every map task's block, in map
 * task order, and sees it grouped by key: sorted by key bytes, each key's records in the order
 * read. Both sides depend on the records alone, so a map task re-run from the same input writes
 * the same block, and a reduce task re-run reads the same input, record for record, which its
 * commit marker and a bisection count on.
 */
final class Shuffle {

    /** The topic name shuffled records carry: they come from a stage, not from Kafka. */
    static final String TOPIC = "";

    private Shuffle() {
    }

    /** @return the downstream partition of a key: Kafka's murmur2, as the input slicing uses; no key goes to 0 */
    static int partitionOf(byte[] key, int partitions) {
        return key == null ? 0 : Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /**
     * @param records    the map task's output, in the order emitted
     * @param partitions how many partitions the next stage has
     * @param batchTime  the timestamp shuffled records carry
     * @return the sealed shuffle block
     */
    static byte[] write(Iterable<? extends Map.Entry<byte[], byte[]>> records, int partitions, long batchTime) {
        BlockWriter writer = new BlockWriter();
        long index = 0;
        for (Map.Entry<byte[], byte[]> r : records) {
            writer.append(TOPIC, partitionOf(r.getKey(), partitions), index++, batchTime, r.getKey(), r.getValue());
        }
        return writer.seal();
    }

    /** @return how many records a shuffle block holds for each of {@code partitions} downstream partitions */
    static List<Integer> counts(Block block, int partitions) {
        int[] counts = new int[partitions];
        for (Record r : block) {
            int p = r.sourcePartition();
            if (p < 0 || p >= partitions) {
                throw new IllegalStateException("shuffle block holds a record for partition " + p + " of " + partitions);
            }
            counts[p]++;
        }
        return Arrays.stream(counts).boxed().toList();
    }

    /**
     * Assembles a reduce task's input.
     *
     * @param blocks    the map tasks' shuffle blocks, in map task order
     * @param partition the reduce task's partition
     * @param batchTime the timestamp its records carry
     * @return a block of the partition's records grouped by key; each record's source partition is
     *     {@code partition} and its offset its position in the block
     */
    static Block read(List<byte[]> blocks, int partition, long batchTime) {
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        for (byte[] bytes : blocks) {
            for (Record r : Block.decode(bytes)) {
                if (r.sourcePartition() == partition) {
                    records.add(new SimpleImmutableEntry<>(r.key(), r.value()));
                }
            }
        }
        records.sort((a, b) -> compareKeys(a.getKey(), b.getKey())); // stable: a key's records keep their order
        BlockWriter writer = new BlockWriter();
        long index = 0;
        for (Map.Entry<byte[], byte[]> r : records) {
            writer.append(TOPIC, partition, index++, batchTime, r.getKey(), r.getValue());
        }
        return Block.decode(writer.seal());
    }

    /** Records without a key first, then keys by unsigned bytes. */
    private static int compareKeys(byte[] a, byte[] b) {
        if (a == null || b == null) {
            return a == b ? 0 : a == null ? -1 : 1;
        }
        return Arrays.compareUnsigned(a, b);
    }
}
