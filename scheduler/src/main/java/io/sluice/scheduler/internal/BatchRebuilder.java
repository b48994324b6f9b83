package io.sluice.scheduler.internal;

import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.OffsetRange;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads a recovered batch's offset ranges again through the ingest's consumer and lays the records
 * out as the original batch did. The slicer's placement rules and the block writer's ordering make
 * the rebuilt blocks equal the originals; the record counts of the manifest are checked, so a batch
 * whose input has changed fails loudly ({@link BatchMismatchException}) instead of running with
 * other records than some of its tasks may already have committed.
 */
final class BatchRebuilder {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Clock clock;

    BatchRebuilder(Clock clock) {
        this.clock = clock;
    }

    /**
     * Seeks to the batch's ranges and polls (other partitions paused) until every range is read.
     * The consumer's positions are left after the ranges; the caller seeks where it reads next.
     *
     * @throws IllegalStateException if the ranges cannot be read within {@link #TIMEOUT}
     * @throws BatchMismatchException if the records read do not fill the partitions as the manifest says
     */
    SlicedBatch rebuild(KafkaConsumer<byte[], byte[]> c, BatchManifest manifest) {
        long deadline = clock.millis() + TIMEOUT.toMillis();
        BatchSlicer.Rebuild rebuild = BatchSlicer.rebuild(manifest);
        Map<TopicPartition, Long> until = new HashMap<>();
        for (OffsetRange r : manifest.ranges()) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            until.put(tp, r.until());
            c.seek(tp, r.from());
        }
        Set<TopicPartition> others = new HashSet<>(c.assignment());
        others.removeAll(until.keySet());
        c.pause(others);
        c.resume(until.keySet());
        Map<TopicPartition, Long> from = new HashMap<>();
        manifest.ranges().forEach(r -> from.put(new TopicPartition(r.topic(), r.partition()), r.from()));
        while (!until.isEmpty()) {
            if (clock.millis() > deadline) {
                throw new IllegalStateException("could not re-read batch " + manifest.batchTime() + " within "
                        + TIMEOUT.toSeconds() + " s; remaining " + until);
            }
            ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
            for (ConsumerRecord<byte[], byte[]> r : records) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                Long end = until.get(tp);
                if (end != null && r.offset() < end && r.offset() >= from.get(tp)) {
                    rebuild.append(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
                }
            }
            until.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
        }
        c.resume(others);
        return rebuild.seal();
    }
}
