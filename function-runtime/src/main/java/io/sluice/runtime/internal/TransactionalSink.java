package io.sluice.runtime.internal;

import io.sluice.core.task.TaskAttempt;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The exactly-once Kafka sink. An attempt writes its output and its task's commit marker in one
 * Kafka transaction, under the transactional id the scheduler gave the task.
 *
 * <p>The marker is a transactional offset commit ({@code sendOffsetsToTransaction}) for the group
 * {@code <transactionalId>.marker}: its offset on partition 0 of the output topic is the batch time
 * of the last task committed under that id. One id serves one partition of the batches whose
 * sequence falls on one slot, and such batches never overlap, so "marker ≥ my batch time" means
 * "my task has committed". Reading it is one request, whatever the history.
 *
 * <p>Protocol per attempt: take the id's producer (create it and call {@code initTransactions},
 * which fences every older producer of the id and aborts its open transaction), read the marker
 * with {@code requireStable}; if the task committed already, report done without running. Else
 * begin, let the function emit, add the marker, commit. If the producer turns out to be fenced, a
 * newer attempt owns the id: the attempt fails and its output is aborted.
 */
final class TransactionalSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TransactionalSink.class);
    private static final Duration MARKER_TIMEOUT = Duration.ofSeconds(5);

    private final String bootstrap;
    private final String runtimeName;
    private final Admin admin;
    private final Map<String, KafkaProducer<byte[], byte[]>> producers = new HashMap<>();
    private final Set<String> busy = new HashSet<>();
    private boolean closed;

    TransactionalSink(String bootstrap, String runtimeName) {
        this.bootstrap = bootstrap;
        this.runtimeName = runtimeName;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG, "sluice-markers-" + runtimeName));
    }

    /**
     * Takes the id's producer and checks the task's marker.
     *
     * @return the open transaction to write through, or {@code null} if the task has committed already
     * @throws SinkException if Kafka cannot be reached or the producer cannot be initialised
     */
    Transaction begin(TaskAttempt attempt, String transactionalId, String topic) throws InterruptedException {
        KafkaProducer<byte[], byte[]> producer = acquire(transactionalId);
        boolean handedOver = false;
        try {
            long marker;
            try {
                marker = committedBatch(transactionalId, topic);
            } catch (SinkException e) {
                // The marker stays unstable while an older producer of this id (a killed runtime's)
                // has a transaction open, and only initTransactions ends that. A cached producer
                // never calls it again, so drop ours: the retry creates one, which fences the zombie.
                discard(transactionalId, producer);
                producer = null;
                throw e;
            }
            if (marker >= attempt.task().batchTime()) {
                log.info("{} committed already under {}; not running it again", attempt, transactionalId);
                return null;
            }
            producer.beginTransaction();
            handedOver = true;
            return new Transaction(attempt, transactionalId, topic, producer);
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            discard(transactionalId, producer);
            producer = null;
            throw new SinkException(transactionalId + " is owned by a newer attempt: " + e.getMessage(), e);
        } catch (KafkaException e) {
            discard(transactionalId, producer);
            producer = null;
            throw new SinkException("cannot start a transaction as " + transactionalId + ": " + e.getMessage(), e);
        } finally {
            if (!handedOver && producer != null) {
                release(transactionalId);
            }
        }
    }

    /** @return the batch time of the last task committed under {@code transactionalId}, or -1 */
    private long committedBatch(String transactionalId, String topic) throws InterruptedException {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets(markerGroup(transactionalId), new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata().get(MARKER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            OffsetAndMetadata marker = offsets.get(new TopicPartition(topic, 0));
            return marker == null ? -1 : marker.offset();
        } catch (ExecutionException | TimeoutException e) {
            throw new SinkException("cannot read the commit marker of " + transactionalId + ": "
                    + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    private synchronized KafkaProducer<byte[], byte[]> acquire(String transactionalId) throws InterruptedException {
        // Two attempts of one task on this runtime take turns; they would only fence each other.
        while (busy.contains(transactionalId)) {
            wait();
        }
        if (closed) {
            throw new SinkException("the sink is closed", null);
        }
        busy.add(transactionalId);
        KafkaProducer<byte[], byte[]> producer = producers.get(transactionalId);
        if (producer == null) {
            try {
                producer = newProducer(transactionalId);
            } catch (KafkaException e) {
                busy.remove(transactionalId);
                notifyAll();
                throw new SinkException("cannot initialise transactions as " + transactionalId + ": " + e.getMessage(), e);
            }
            producers.put(transactionalId, producer);
        }
        return producer;
    }

    private KafkaProducer<byte[], byte[]> newProducer(String transactionalId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-" + runtimeName + "-" + transactionalId);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 120_000);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config);
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return producer;
    }

    private synchronized void release(String transactionalId) {
        busy.remove(transactionalId);
        notifyAll();
    }

    private synchronized void discard(String transactionalId, KafkaProducer<byte[], byte[]> producer) {
        producers.remove(transactionalId, producer);
        busy.remove(transactionalId);
        notifyAll();
        producer.close(Duration.ZERO);
    }

    static String markerGroup(String transactionalId) {
        return transactionalId + ".marker";
    }

    @Override
    public void close() {
        Map<String, KafkaProducer<byte[], byte[]>> all;
        synchronized (this) {
            closed = true;
            all = new HashMap<>(producers);
            producers.clear();
            notifyAll();
        }
        all.values().forEach(p -> p.close(Duration.ofSeconds(2)));
        admin.close(Duration.ofSeconds(2));
    }

    /** One attempt's open transaction; the slot thread running the attempt owns it. */
    final class Transaction implements AttemptSink, Callback {

        private final TaskAttempt attempt;
        private final String transactionalId;
        private final String topic;
        private final KafkaProducer<byte[], byte[]> producer;
        private long sent;
        private volatile Exception error;
        private volatile boolean cancelled;
        private boolean finished;

        private Transaction(TaskAttempt attempt, String transactionalId, String topic, KafkaProducer<byte[], byte[]> producer) {
            this.attempt = attempt;
            this.transactionalId = transactionalId;
            this.topic = topic;
            this.producer = producer;
        }

        @Override
        public void emit(byte[] key, byte[] value) {
            if (cancelled) {
                throw new CancellationException(attempt + " was cancelled");
            }
            Exception failed = error;
            if (failed != null) {
                throw new SinkException("writing to " + topic + " failed: " + failed.getMessage(), failed);
            }
            sent++;
            producer.send(new ProducerRecord<>(topic, key, value), this);
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null && error == null) {
                error = exception;
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
        public void finish() {
            commit();
        }

        @Override
        public void abandon() {
            abort();
        }

        /**
         * Adds the marker and commits: the output becomes visible, once.
         *
         * @throws SinkException if the commit fails; the output is then aborted
         */
        void commit() {
            finished = true;
            try {
                producer.flush();
                if (error != null) {
                    throw new KafkaException("a write failed: " + error.getMessage(), error);
                }
                producer.sendOffsetsToTransaction(
                        Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(attempt.task().batchTime(), attempt.toString())),
                        new ConsumerGroupMetadata(markerGroup(transactionalId)));
                producer.commitTransaction();
                release(transactionalId);
            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                discard(transactionalId, producer);
                throw new SinkException(transactionalId + " was taken over by a newer attempt; this one's output is void", e);
            } catch (KafkaException e) {
                abortQuietly();
                throw new SinkException("committing " + attempt + " failed: " + e.getMessage(), e);
            }
        }

        /** Aborts the transaction, if it is still open: nothing this attempt wrote becomes visible. */
        void abort() {
            if (!finished) {
                finished = true;
                abortQuietly();
            }
        }

        private void abortQuietly() {
            try {
                producer.abortTransaction();
                release(transactionalId);
            } catch (KafkaException e) {
                log.debug("Abort of {} failed ({}); dropping its producer", attempt, e.toString());
                discard(transactionalId, producer);
            }
        }
    }
}
