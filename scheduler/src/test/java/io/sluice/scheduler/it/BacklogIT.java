package io.sluice.scheduler.it;

import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.SchedulerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two million records wait in Kafka before the pipeline starts, about 270 MB as blocks: more than
 * the scheduler and its runtimes may hold, in one JVM with a 512 MiB heap ({@link BacklogMain}). With
 * the default limits ingest reads only as fast as batches commit, stores no more than its budget,
 * and the whole backlog reaches the output exactly once, with no out-of-memory error.
 */
@Tag("slow")
class BacklogIT {

    private static final Logger log = LoggerFactory.getLogger(BacklogIT.class);

    private static final int RECORDS = 2_000_000;
    /** Values of about 100 bytes: {@code v<index>:} and padding. */
    private static final String PADDING = "x".repeat(92);

    @Test
    void twoMillionRecordsDrainThroughA512MiBHeapExactlyOnce() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        String input = EngineFixture.unique("in");
        String output = EngineFixture.unique("out");
        String pipeline = EngineFixture.unique("backlog");
        kafka.createTopic(input, 4);
        long t0 = System.nanoTime();
        produce(kafka.bootstrapServers(), input);
        log.info("produced {} records in {} ms", RECORDS, (System.nanoTime() - t0) / 1_000_000);

        Path result = Path.of("target", "backlog-result.properties").toAbsolutePath();
        Files.deleteIfExists(result);
        String jar = System.getProperty("sluice.test-functions.jar");
        RuntimeProcess engine = RuntimeProcess.java("backlog-engine",
                List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=target/runtime-processes/backlog-gc.log",
                        "-Dsluice.test-functions.jar=" + jar),
                BacklogMain.class.getName(), kafka.bootstrapServers(), input, output, pipeline, result.toString());
        OptionalInt exit;
        try {
            exit = engine.waitFor(Duration.ofSeconds(200));
        } finally {
            engine.kill();
        }
        assertTrue(exit.isPresent(), "the engine did not finish in time:\n" + engine.tail());
        assertEquals(0, exit.getAsInt(), "the engine failed (3: out of memory, 2: not drained in time):\n"
                + (Files.exists(result) ? Files.readString(result) : "") + engine.tail());

        Properties stats = new Properties();
        stats.load(new StringReader(Files.readString(result)));
        long peakStored = Long.parseLong(stats.getProperty("peakStoredBytes"));
        log.info("drained {} records in {} ms at -Xmx512m; peak live heap (after a full GC, {} "
                        + "of them) {} MiB, peak heap right after any GC {} MiB, peak heap in use {} MiB, peak block "
                        + "bytes stored {} MiB, failed attempts {}", RECORDS, Long.parseLong(stats.getProperty("drainedMillis")),
                stats.getProperty("majorGcs"), mib(stats, "peakLiveHeap"), mib(stats, "peakHeapAfterGc"),
                mib(stats, "peakHeapUsed"), peakStored >> 20, stats.getProperty("failedAttempts"));

        SchedulerConfig.IngestLimits limits = SchedulerConfig.IngestLimits.DEFAULT;
        long bound = limits.maxStoredBytes() + limits.maxBatchBytes() + (2L << 20);
        assertTrue(peakStored <= bound, "ingest stored " + peakStored + " bytes of blocks at once; its budget is "
                + limits.maxStoredBytes() + " plus one batch");
        assertEachExactlyOnce(kafka.bootstrapServers(), output);
    }

    private static long mib(Properties stats, String key) {
        return Long.parseLong(stats.getProperty(key)) >> 20;
    }

    private static void produce(String bootstrap, String topic) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % 5 == 0 ? null : "k" + i % 101, "v" + i + ":" + PADDING));
            }
            producer.flush();
        }
    }

    /** Reads the output once, marking each input index seen: no list of two million records is kept. */
    private static void assertEachExactlyOnce(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        BitSet seen = new BitSet(RECORDS);
        long read = 0;
        long duplicates = 0;
        long unexpected = 0;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            Map<TopicPartition, OffsetSpec> request = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(topic).partitions().stream()
                    .collect(Collectors.toMap(i -> new TopicPartition(topic, i.partition()), i -> OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                assertTrue(System.nanoTime() < deadline, "could not read " + topic + " to its end offsets " + ends);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    int index = indexOf(r.value());
                    if (index < 0 || index >= RECORDS) {
                        unexpected++;
                    } else if (seen.get(index)) {
                        duplicates++;
                    } else {
                        seen.set(index);
                    }
                }
            }
        }
        assertEquals(0, duplicates, "records written twice");
        assertEquals(0, unexpected, "records never produced");
        assertEquals(RECORDS, seen.cardinality(), "records missing; first missing index " + seen.nextClearBit(0));
        assertEquals(RECORDS, read);
    }

    /** @return the index in {@code v<index>:...}, or -1 */
    private static int indexOf(byte[] value) {
        if (value == null || value.length < 2 || value[0] != 'v') {
            return -1;
        }
        int index = 0;
        for (int i = 1; i < value.length; i++) {
            if (value[i] == ':') {
                return index;
            }
            if (value[i] < '0' || value[i] > '9' || index > RECORDS) {
                return -1;
            }
            index = index * 10 + (value[i] - '0');
        }
        return -1;
    }

}
