package io.sluice.scheduler.internal;

import io.sluice.core.store.BatchManifest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A pipeline's batch log: the manifest of every batch, written to {@code sluice.batches.<pipeline>}
 * before its offsets are committed, keyed by batch time. It is the lineage of the past: a replay
 * reads it to run the same batches again, with the same batch times and offset ranges. A write that
 * fails leaves the batch uncommitted, so it is tried again; a batch logged twice is one batch to a
 * reader, by its key.
 */
final class BatchLog implements AutoCloseable {

    private final String bootstrap;
    private final String topic;
    private KafkaProducer<byte[], byte[]> producer;

    BatchLog(String bootstrap, String topic) {
        this.bootstrap = bootstrap;
        this.topic = topic;
    }

    /**
     * @throws IllegalStateException if the log cannot be written within 10 s
     */
    void append(BatchManifest manifest) {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.CLIENT_ID_CONFIG, "sluice-batch-log-" + manifest.pipeline(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                    new ByteArraySerializer(), new ByteArraySerializer());
        }
        try {
            producer.send(new ProducerRecord<>(topic, 0, manifest.batchTime(),
                    Long.toString(manifest.batchTime()).getBytes(StandardCharsets.UTF_8), manifest.encode()))
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot log batch " + manifest.batchTime() + " in " + topic + ": "
                    + (e.getCause() != null ? e.getCause() : e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while logging batch " + manifest.batchTime(), e);
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
