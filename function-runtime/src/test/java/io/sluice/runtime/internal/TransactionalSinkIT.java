package io.sluice.runtime.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.kafka.embedded.SharedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exactly-once protocol against a real broker: markers, fencing, and ids that move between runtimes. */
class TransactionalSinkIT {

    private static EmbeddedKafkaBroker kafka;
    private static TransactionalSink runtimeA;
    private static TransactionalSink runtimeB;

    @BeforeAll
    static void start() {
        kafka = SharedKafka.broker();
        runtimeA = new TransactionalSink(kafka.bootstrapServers(), "a");
        runtimeB = new TransactionalSink(kafka.bootstrapServers(), "b");
    }

    @AfterAll
    static void stop() {
        runtimeA.close();
        runtimeB.close();
    }

    @Test
    void aCommittedTaskIsFoundByItsMarker() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 1_000, 0);
        assertCommitted(runtimeA.commit(new TaskAttempt(task, 1), txid, 1, topic, CommitMarker.NONE, 2,
                records(topic, "one", "two"), 2));

        CommitMarker marker = runtimeB.marker(txid, topic);
        assertEquals(2, marker.committedUpTo(task), "a retry on another runtime finds the marker");
        assertEquals(2, marker.recordsOutOf(task), "and how many records the task wrote");
        TaskId later = new TaskId("p", 9_000, 0);
        assertEquals(0, marker.committedUpTo(later), "a later batch on the same id still runs");
        assertCommitted(runtimeB.commit(new TaskAttempt(later, 1), txid, 2, topic, marker, 1, records(topic, "three"), 1));
        assertEquals(Integer.MAX_VALUE, runtimeA.marker(txid, topic).committedUpTo(task),
                "once a later batch committed under the id, the earlier task counts as committed");
        assertEquals(List.of("one", "two", "three"), readCommitted(topic));
    }

    @Test
    void aMarkerUnderAnOpenTransactionIsWaitedForNotReadAsNone() throws Exception {
        // A stable offset fetch leaves out a partition whose offset is still in a transaction: read
        // naively, a committed task looks uncommitted, and its retry writes it twice.
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 1_000, 5);
        CommitMarker committed = assertCommitted(runtimeA.commit(new TaskAttempt(task, 1), txid, 1, topic,
                CommitMarker.NONE, 2, records(topic, "one", "two"), 2));
        TaskId later = new TaskId("p", 2_000, 5);
        CommitMarker next = committed.advance(later, 1, 1);
        try (KafkaProducer<byte[], byte[]> writer = rawProducer(txid)) {
            writer.initTransactions();
            writer.beginTransaction();
            writer.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0),
                    new OffsetAndMetadata(next.batchTime(), next.metadata())),
                    new ConsumerGroupMetadata(TransactionalSink.markerGroup(txid)));
            CompletableFuture<CommitMarker> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return runtimeB.marker(txid, topic);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            assertFalse(read.isDone(), "the read waits for the open transaction instead of answering "
                    + (read.isDone() ? read.join() : ""));
            writer.commitTransaction();
            assertEquals(next, read.get(10, TimeUnit.SECONDS), "and then reads what it committed");

            writer.beginTransaction();
            writer.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0),
                    new OffsetAndMetadata(next.batchTime() + 1_000, next.metadata())),
                    new ConsumerGroupMetadata(TransactionalSink.markerGroup(txid)));
            // A transaction left open (its runtime killed) is ended by a retry, not waited out.
            assertEquals(next, runtimeB.settledMarker(txid, 3, topic), "the open transaction was aborted");
            assertThrows(KafkaException.class, writer::commitTransaction, "its producer is fenced");
        }
    }

    @Test
    void anIdThatMovedBackIsReinitialisedInsteadOfFailing() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        assertCommitted(runtimeA.commit(new TaskAttempt(new TaskId("p", 1_000, 1), 1), txid, 10, topic,
                CommitMarker.NONE, 1, records(topic, "a1"), 1));
        assertCommitted(runtimeB.commit(new TaskAttempt(new TaskId("p", 2_000, 1), 1), txid, 11, topic,
                CommitMarker.NONE, 1, records(topic, "b1"), 1));
        // A's cached producer was fenced by B's. The scheduler says so with a new epoch: A replaces it first.
        assertCommitted(runtimeA.commit(new TaskAttempt(new TaskId("p", 3_000, 1), 1), txid, 12, topic,
                CommitMarker.NONE, 1, records(topic, "a2"), 1));
        assertCommitted(runtimeB.commit(new TaskAttempt(new TaskId("p", 4_000, 1), 1), txid, 13, topic,
                CommitMarker.NONE, 1, records(topic, "b2"), 1));
        // Even when the epoch does not tell (a stale one), the fenced producer is replaced, not the attempt failed.
        assertCommitted(runtimeA.commit(new TaskAttempt(new TaskId("p", 5_000, 1), 1), txid, 12, topic,
                CommitMarker.NONE, 1, records(topic, "a3"), 1));
        assertEquals(List.of("a1", "b1", "a2", "b2", "a3"), readCommitted(topic));
    }

    @Test
    void aCopyThatFindsTheTaskCommittedMeanwhileWritesNothing() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 3_000, 2);
        assertCommitted(runtimeA.commit(new TaskAttempt(new TaskId("p", 1_000, 2), 1), txid, 20, topic,
                CommitMarker.NONE, 1, records(topic, "earlier"), 1));
        CommitMarker basis = runtimeA.marker(txid, topic);
        assertEquals(0, basis.committedUpTo(task));
        // While A's copy computes, B's copy commits the same task.
        assertCommitted(runtimeB.commit(new TaskAttempt(task, 2), txid, 21, topic, basis, 3,
                records(topic, "b", "b", "b"), 3));
        TransactionalSink.Outcome late = runtimeA.commit(new TaskAttempt(task, 1), txid, 20, topic, basis, 3,
                records(topic, "a", "a", "a"), 3);
        TransactionalSink.Outcome.Superseded superseded = assertInstanceOf(TransactionalSink.Outcome.Superseded.class, late);
        assertEquals(3, superseded.marker().recordsOutOf(task));
        assertEquals(List.of("earlier", "b", "b", "b"), readCommitted(topic));
    }

    @Test
    void anAttemptThatTakesTheIdOverLooksAtTheMarkerEvenWhenNoEarlierAttemptWasExpected() throws Exception {
        // A scheduler that was paused and replaced may still dispatch a "first" attempt of a task its
        // successor has already run: the attempt must not write it twice.
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 4_000, 4);
        assertCommitted(runtimeB.commit(new TaskAttempt(task, 1), txid, 41, topic, CommitMarker.NONE, 2,
                records(topic, "once", "once"), 2));
        TransactionalSink.Outcome zombie = runtimeA.commit(new TaskAttempt(task, 1), txid, 40, topic, CommitMarker.NONE, 2,
                records(topic, "twice", "twice"), 2);
        assertInstanceOf(TransactionalSink.Outcome.Superseded.class, zombie);
        assertEquals(List.of("once", "once"), readCommitted(topic));
    }

    @Test
    void rangesOfOneTaskCommitInOrderAndAddUp() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 7_000, 3);
        TransactionalSink.Outcome first = runtimeA.commit(new TaskAttempt(task, 5), txid, 30, topic, CommitMarker.NONE, 500, records(topic, "x", "y"), 2);
        CommitMarker afterFirst = assertCommitted(first);
        assertEquals(500, afterFirst.committedUpTo(task));
        CommitMarker afterSecond = assertCommitted(runtimeA.commit(new TaskAttempt(task, 6), txid, 30, topic,
                afterFirst, 1_000, records(topic, "z"), 1));
        assertEquals(1_000, afterSecond.committedUpTo(task));
        assertEquals(3, afterSecond.recordsOutOf(task));
        assertEquals(afterSecond, runtimeB.marker(txid, topic), "the marker in Kafka says the same");
        assertEquals(List.of("x", "y", "z"), readCommitted(topic));
    }

    @Test
    void aRecordKafkaRefusesIsTheFunctionsFailureAndTheIdStaysUsable() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 8_000, 0);
        List<ProducerRecord<byte[], byte[]>> huge = List.of(new ProducerRecord<>(topic, null, new byte[2 * 1024 * 1024]));
        SinkException refused = assertThrows(SinkException.class, () -> runtimeA.commit(new TaskAttempt(task, 1), txid, 40,
                topic, CommitMarker.NONE, 1, huge, 1));
        assertTrue(refused.causedByOutput(), "a 2 MiB record is the function's doing, not Kafka's: " + refused);
        assertEquals(CommitMarker.NONE, runtimeA.marker(txid, topic), "nothing was committed");
        assertCommitted(runtimeA.commit(new TaskAttempt(task, 2), txid, 40, topic, CommitMarker.NONE, 1,
                records(topic, "small"), 1));
        assertEquals(List.of("small"), readCommitted(topic));
        assertFalse(new SinkException("commit failed", new org.apache.kafka.common.errors.TimeoutException("slow"))
                .causedByOutput(), "a timeout is the platform's");
    }

    private static CommitMarker assertCommitted(TransactionalSink.Outcome outcome) {
        return assertInstanceOf(TransactionalSink.Outcome.Committed.class, outcome).marker();
    }

    private static KafkaProducer<byte[], byte[]> rawProducer(String transactionalId) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    private static List<ProducerRecord<byte[], byte[]>> records(String topic, String... values) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (String v : values) {
            records.add(new ProducerRecord<>(topic, null, v.getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    private static String topic() {
        String topic = "eo-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 1);
        return topic;
    }

    private static List<String> readCommitted(String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
            }
            return values;
        }
    }
}
