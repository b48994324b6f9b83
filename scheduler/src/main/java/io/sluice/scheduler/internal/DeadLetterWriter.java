package io.sluice.scheduler.internal;

import io.sluice.core.block.Block;
import io.sluice.core.store.BatchStore;
import io.sluice.core.task.TaskId;
import io.sluice.function.Record;
import io.sluice.scheduler.internal.SchedulerEvent.DeadLettered;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes the records of a task that ran out of attempts to its pipeline's dead-letter topic, each
 * with headers saying what failed and where the record came from, so the batch can complete and
 * the pipeline never stalls on bad input. Runs on its own thread; retries until the write succeeds.
 */
final class DeadLetterWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterWriter.class);

    private final BatchStore store;
    private final Consumer<SchedulerEvent> events;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sluice-dead-letter");
        t.setDaemon(true);
        return t;
    });
    private final KafkaProducer<byte[], byte[]> producer;

    DeadLetterWriter(String bootstrap, BatchStore store, Consumer<SchedulerEvent> events) {
        this.store = store;
        this.events = events;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-dead-letter");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        this.producer = new KafkaProducer<>(p);
    }

    /** Writes the task's block to {@code topic}; posts {@link DeadLettered} when every record is acknowledged. */
    void write(TaskId task, String topic, String error) {
        executor.execute(() -> {
            while (!executor.isShutdown()) {
                try {
                    long n = writeBlock(task, topic, error);
                    log.warn("Task {} ran out of attempts; {} record(s) written to dead-letter topic {}: {}",
                            task, n, topic, error);
                    events.accept(new DeadLettered(task, n));
                    return;
                } catch (Exception e) {
                    log.warn("Writing task {} to dead-letter topic {} failed, retrying in 1 s: {}", task, topic, e.toString());
                    sleep();
                }
            }
        });
    }

    private long writeBlock(TaskId task, String topic, String error) throws Exception {
        Block block = Block.decode(store.block(task));
        List<Future<?>> sends = new ArrayList<>(block.size());
        for (Record r : block) {
            RecordHeaders headers = new RecordHeaders();
            header(headers, "sluice.error", error);
            header(headers, "sluice.pipeline", task.pipeline());
            header(headers, "sluice.batch", Long.toString(task.batchTime()));
            header(headers, "sluice.partition", Integer.toString(task.partition()));
            header(headers, "sluice.source.topic", r.topic());
            header(headers, "sluice.source.partition", Integer.toString(r.sourcePartition()));
            header(headers, "sluice.source.offset", Long.toString(r.offset()));
            sends.add(producer.send(new ProducerRecord<>(topic, null, r.timestamp(), r.key(), r.value(), headers)));
        }
        for (Future<?> f : sends) {
            f.get(30, TimeUnit.SECONDS);
        }
        return block.size();
    }

    private static void header(RecordHeaders headers, String key, String value) {
        headers.add(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
