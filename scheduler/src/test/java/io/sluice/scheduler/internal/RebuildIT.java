package io.sluice.scheduler.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.BatchStore;
import io.sluice.core.task.TaskId;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.kafka.embedded.SharedKafka;
import io.sluice.scheduler.SchedulerConfig.IngestLimits;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCut;
import io.sluice.scheduler.internal.SchedulerEvent.IngestTrouble;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batches whose blocks were lost are read again from Kafka by their manifests' offset ranges, as a
 * scheduler that takes over does. The rebuilt blocks must be byte for byte the originals, although
 * the original polls interleaved the input partitions differently, and most records have no key.
 */
class RebuildIT {

    private final EmbeddedKafkaBroker kafka = SharedKafka.broker();
    private final List<SchedulerEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void batchesReadAgainFromKafkaEqualTheOriginalsBlockForBlock() throws Exception {
        PipelineSpec spec = spec(3);
        try (SluiceNode node = SluiceNode.local(); KafkaProducer<String, String> producer = producer()) {
            BatchStore store = node.batchStore();
            List<BatchManifest> cut;
            int produced = 0;
            try (Ingest original = ingest(spec, store)) {
                original.start();
                for (int wave = 0; wave < 25; wave++) { // input arriving over time: polls interleave partitions
                    for (int i = 0; i < 120; i++, produced++) {
                        producer.send(new ProducerRecord<>(spec.inputTopics().get(0), produced % 3,
                                produced % 4 == 0 ? "k" + produced % 13 : null, "v" + produced));
                    }
                    producer.flush();
                    Thread.sleep(40); // pacing the input is the point
                }
                int all = produced;
                await(() -> cutRecords(false) == all, () -> "every record is in a cut batch: " + cutRecords(false));
                cut = manifests(false);
            }
            assertTrue(cut.size() >= 3, "several batches: " + cut.size());
            List<byte[]> originals = new ArrayList<>();
            for (BatchManifest m : cut) {
                m.tasks().forEach(t -> originals.add(store.block(t)));
                store.removeBatch(m); // the blocks are lost, the manifest survives
                store.putManifest(m);
            }

            try (Ingest successor = ingest(spec, store)) {
                successor.recover(cut, cut);
                successor.start();
                await(() -> manifests(true).size() == cut.size(), () -> "every batch is rebuilt: " + events);
                assertEquals(cut, manifests(true), "rebuilt under the same manifests, in order");
                int i = 0;
                for (BatchManifest m : cut) {
                    for (TaskId task : m.tasks()) {
                        assertTrue(Arrays.equals(originals.get(i++), store.block(task)), "block " + task + " differs");
                    }
                }
            }
        }
    }

    @Test
    void aBatchWhoseInputWasDeletedIsNotRebuiltAndTheErrorSaysWhatHappensNext() throws Exception {
        PipelineSpec spec = spec(1);
        String topic = spec.inputTopics().get(0);
        try (SluiceNode node = SluiceNode.local(); KafkaProducer<String, String> producer = producer()) {
            BatchStore store = node.batchStore();
            try (Ingest original = ingest(spec, store)) {
                original.start();
                for (int i = 0; i < 300; i++) {
                    producer.send(new ProducerRecord<>(topic, 0, null, "v" + i));
                }
                producer.flush();
                await(() -> cutRecords(false) == 300, () -> "every record is in a cut batch: " + cutRecords(false));
            }
            List<BatchManifest> cut = manifests(false);
            for (BatchManifest m : cut) {
                store.removeBatch(m);
                store.putManifest(m);
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(100)))
                        .all().get(30, TimeUnit.SECONDS); // as retention would
            }

            try (Ingest successor = ingest(spec, store)) {
                successor.recover(cut, cut);
                successor.start();
                await(() -> trouble().contains("cannot be rebuilt as it was"), () -> "ingest reports the mismatch: " + events);
                producer.send(new ProducerRecord<>(topic, 0, null, "later")).get();
                Thread.sleep(1_500); // long enough for several 200 ms batches, were any cut
                assertEquals(List.of(), manifests(true), "the batch is not run with other records than it had");
                assertEquals(cut, manifests(false), "and nothing after it is cut");
                assertTrue(trouble().contains("its manifest says " + cut.get(0).recordsPerPartition()), trouble());
            }
        }
    }

    private PipelineSpec spec(int inputPartitions) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String input = "rebuild-in-" + id;
        kafka.createTopic(input, inputPartitions);
        return new PipelineSpec("rebuild-" + id, "f", 1, List.of(input), "rebuild-out-" + id, Duration.ofMillis(200), 4,
                Map.of(), Delivery.EXACTLY_ONCE, PipelineState.RUNNING, System.currentTimeMillis());
    }

    private Ingest ingest(PipelineSpec spec, BatchStore store) {
        return new Ingest(spec, kafka.bootstrapServers(), store, Clock.systemUTC(), events::add, 8, IngestLimits.DEFAULT,
                () -> true);
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    private List<BatchManifest> manifests(boolean recovered) {
        return events.stream().filter(e -> e instanceof BatchCut c && c.recovered() == recovered)
                .map(e -> ((BatchCut) e).manifest()).toList();
    }

    private long cutRecords(boolean recovered) {
        return manifests(recovered).stream().mapToLong(BatchManifest::records).sum();
    }

    private String trouble() {
        return String.join("\n", events.stream().filter(e -> e instanceof IngestTrouble)
                .map(e -> ((IngestTrouble) e).error()).toList());
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what.get());
            }
            Thread.sleep(50);
        }
    }
}
