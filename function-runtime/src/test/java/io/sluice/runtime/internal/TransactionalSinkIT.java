package io.sluice.runtime.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.kafka.embedded.SharedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The exactly-once protocol against a real broker: markers, aborts and fencing. */
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
    void aCommittedTaskIsFoundByItsMarkerAndNotRunAgain() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 1_000, 0);
        TransactionalSink.Transaction first = runtimeA.begin(new TaskAttempt(task, 1), txid, topic);
        assertNotNull(first);
        emit(first, "one", "two");
        first.finish();

        assertNull(runtimeB.begin(new TaskAttempt(task, 2), txid, topic), "a retry on another runtime finds the marker");
        assertNull(runtimeA.begin(new TaskAttempt(task, 3), txid, topic), "and so does one on the same runtime");
        TransactionalSink.Transaction later = runtimeB.begin(new TaskAttempt(new TaskId("p", 9_000, 0), 1), txid, topic);
        assertNotNull(later, "a later batch on the same id still runs");
        emit(later, "three");
        later.finish();
        assertEquals(List.of("one", "two", "three"), readCommitted(topic));
    }

    @Test
    void anAbandonedAttemptLeavesNothingAndTheRetryCommitsOnce() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 2_000, 1);
        TransactionalSink.Transaction failed = runtimeA.begin(new TaskAttempt(task, 1), txid, topic);
        emit(failed, "half", "of", "it");
        failed.abandon();
        TransactionalSink.Transaction retry = runtimeA.begin(new TaskAttempt(task, 2), txid, topic);
        assertNotNull(retry);
        emit(retry, "all", "of", "it");
        retry.finish();
        assertEquals(List.of("all", "of", "it"), readCommitted(topic));
    }

    @Test
    void aNewerAttemptFencesAnOlderOneThatIsStillWriting() throws Exception {
        String topic = topic();
        String txid = "sluice.t." + UUID.randomUUID();
        TaskId task = new TaskId("p", 3_000, 2);
        TransactionalSink.Transaction zombie = runtimeA.begin(new TaskAttempt(task, 1), txid, topic);
        emit(zombie, "zombie");
        TransactionalSink.Transaction newer = runtimeB.begin(new TaskAttempt(task, 2), txid, topic);
        assertNotNull(newer, "the zombie never committed, so the newer attempt runs");
        emit(newer, "newer");
        newer.finish();
        SinkException fenced = assertThrows(SinkException.class, zombie::finish);
        assertEquals(txid + " was taken over by a newer attempt; this one's output is void", fenced.getMessage());
        assertEquals(List.of("newer"), readCommitted(topic));
    }

    private static void emit(TransactionalSink.Transaction txn, String... values) {
        for (String v : values) {
            txn.emit(null, v.getBytes(StandardCharsets.UTF_8));
        }
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
