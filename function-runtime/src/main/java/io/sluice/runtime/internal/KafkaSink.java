package io.sluice.runtime.internal;

import io.sluice.core.task.TaskAttempt;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * The at-least-once Kafka sink: one idempotent producer per runtime, shared by all slots.
 *
 * <p>Each attempt writes through its own {@link AttemptOutput}, which counts its unacknowledged
 * sends, so an attempt waits for its own records only, never for another slot's. An attempt is
 * done when all its records are acknowledged; if it fails or is cancelled part-way, what it wrote
 * stays written and a retry writes it again.
 */
final class KafkaSink implements AutoCloseable {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);
    private final KafkaProducer<byte[], byte[]> producer;

    KafkaSink(String bootstrap, String clientId) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    AttemptOutput open(TaskAttempt attempt, String topic) {
        return new AttemptOutput(attempt, topic);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /** One attempt's emitter. Used by the slot thread that runs the attempt; acks arrive on the producer's thread. */
    final class AttemptOutput implements AttemptSink, Callback {

        private final TaskAttempt attempt;
        private final String topic;
        private long sent;
        private long pending;
        private Exception error;
        private volatile boolean cancelled;

        private AttemptOutput(TaskAttempt attempt, String topic) {
            this.attempt = attempt;
            this.topic = topic;
        }

        @Override
        public void emit(byte[] key, byte[] value) {
            send(new ProducerRecord<>(topic, null, attempt.task().batchTime(), key, value));
        }

        /** Sends a record for any topic, with headers, as dead-lettering does. */
        void send(ProducerRecord<byte[], byte[]> record) {
            if (cancelled) {
                throw new CancellationException(attempt + " was cancelled");
            }
            synchronized (this) {
                if (error != null) {
                    throw new SinkException("writing to " + topic + " failed: " + error.getMessage(), error);
                }
                pending++;
            }
            sent++;
            producer.send(record, this);
        }

        @Override
        public synchronized void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null && error == null) {
                error = exception;
            }
            if (--pending == 0 || error != null) {
                notifyAll();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public long sent() {
            return sent;
        }

        @Override
        public void finish() throws InterruptedException {
            awaitAcknowledged(ACK_TIMEOUT);
        }

        @Override
        public void abandon() {
            // what was sent stays sent: at-least-once
        }

        /**
         * Waits until every record of this attempt is acknowledged.
         *
         * @throws SinkException if a write failed or the wait timed out
         */
        synchronized void awaitAcknowledged(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (pending > 0 && error == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SinkException(pending + " record(s) to " + topic + " not acknowledged within "
                            + timeout.toSeconds() + " s", null);
                }
                wait(Math.max(1, left / 1_000_000));
            }
            if (error != null) {
                throw new SinkException("writing to " + topic + " failed: " + error.getMessage(), error);
            }
        }
    }

}
