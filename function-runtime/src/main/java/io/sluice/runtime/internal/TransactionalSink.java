package io.sluice.runtime.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The exactly-once Kafka sink. An attempt's output and its task's {@link CommitMarker} are written
 * in one Kafka transaction, under the transactional id the scheduler gave the task.
 *
 * <p>The marker is a transactional offset commit ({@code sendOffsetsToTransaction}) for the group
 * {@code <transactionalId>.marker} on partition 0 of the output topic. One id serves one partition
 * of the batches whose sequence falls on one slot, and such batches never overlap, so the marker
 * tells whether a task has committed. Reading it is one request, whatever the history.
 *
 * <p>An attempt computes its output first and only then takes the id, so a speculative copy
 * fences the original for no longer than one write. {@link #commit}: take the id's producer
 * (creating one calls {@code initTransactions}, which fences every older producer of the id and
 * aborts its open transaction), begin, write, add the marker, commit. The scheduler tells, with a
 * producer epoch, when the id has moved to this runtime from another: a cached producer of another
 * epoch has been fenced, so it is replaced before anything is written, and a healthy run never
 * fails an attempt on fencing. If a producer is fenced anyway, it is replaced once and the marker
 * read again: if another attempt committed meanwhile, nothing is written twice.
 */
final class TransactionalSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TransactionalSink.class);
    private static final Duration MARKER_TIMEOUT = Duration.ofSeconds(5);

    /** How a {@link #commit} ended. */
    sealed interface Outcome {
        /** The records and the marker are committed. */
        record Committed(CommitMarker marker) implements Outcome {
        }

        /** Another attempt committed while this one computed; nothing was written. */
        record Superseded(CommitMarker marker) implements Outcome {
        }
    }

    private final String bootstrap;
    private final String runtimeName;
    private final Admin admin;
    private final Map<String, Held> producers = new HashMap<>();
    private final Set<String> busy = new HashSet<>();
    private boolean closed;

    /** A cached producer and the scheduler's epoch of the id it was initialised for. */
    private record Held(KafkaProducer<byte[], byte[]> producer, long epoch, boolean fresh) {
    }

    TransactionalSink(String bootstrap, String runtimeName) {
        this.bootstrap = bootstrap;
        this.runtimeName = runtimeName;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG, "sluice-markers-" + runtimeName));
    }

    /**
     * Reads the commit marker of {@code transactionalId}. While a transaction on the id is still
     * settling, the read waits for it, so it never mistakes an unsettled marker for none.
     *
     * @throws SinkException if the marker cannot be read within 5 s (a transaction stays open on the id)
     */
    CommitMarker marker(String transactionalId, String markerTopic) throws InterruptedException {
        long deadline = System.nanoTime() + MARKER_TIMEOUT.toNanos();
        for (long pause = 5; ; pause = Math.min(pause * 2, 100)) {
            Reading reading = read(transactionalId, markerTopic);
            if (reading instanceof Reading.Settled settled) {
                return settled.marker();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new SinkException("the commit marker of " + transactionalId + " did not settle within "
                        + MARKER_TIMEOUT.toSeconds() + " s: " + reading, null);
            }
            Thread.sleep(pause);
        }
    }

    /**
     * Reads the commit marker, first ending any transaction left open on the id: the marker stays
     * unsettled while an older producer of the id (a killed runtime's) has one open, and only a new
     * producer's {@code initTransactions} ends it before the transaction timeout. A transaction
     * that is only completing is waited for.
     *
     * @throws SinkException if the marker cannot be read even then
     */
    CommitMarker settledMarker(String transactionalId, long epoch, String markerTopic) throws InterruptedException {
        Reading reading = read(transactionalId, markerTopic);
        if (reading instanceof Reading.Settled settled) {
            return settled.marker();
        }
        if (((Reading.Unsettled) reading).state() == TransactionState.ONGOING) {
            log.info("Marker of {} is unsettled ({}); taking the id over to end the open transaction", transactionalId,
                    reading);
            Held held = acquire(transactionalId, epoch);
            if (!held.fresh()) {
                held.producer().close(Duration.ZERO);
                replace(transactionalId, epoch);
            }
            release(transactionalId);
        }
        return marker(transactionalId, markerTopic);
    }

    /** One look at the marker: settled, or a transaction on the id has yet to end. */
    private sealed interface Reading {
        record Settled(CommitMarker marker) implements Reading {
        }

        record Unsettled(TransactionState state) implements Reading {
        }
    }

    /**
     * A stable offset fetch leaves out a partition whose offset a transaction has yet to settle
     * (the admin client drops the partition's {@code UNSTABLE_OFFSET_COMMIT}), which looks just like
     * no marker at all. An absent marker is therefore believed only when no earlier marker exists
     * either and the id's transaction state says nothing is in flight.
     */
    private Reading read(String transactionalId, String markerTopic) throws InterruptedException {
        TopicPartition partition = new TopicPartition(markerTopic, 0);
        OffsetAndMetadata stable = offsets(transactionalId, true).get(partition);
        if (stable != null) {
            return new Reading.Settled(CommitMarker.parse(stable.offset(), stable.metadata()));
        }
        TransactionState state = transactionState(transactionalId);
        boolean inFlight = state == TransactionState.ONGOING || state == TransactionState.PREPARE_COMMIT
                || state == TransactionState.PREPARE_ABORT || state == TransactionState.PREPARE_EPOCH_FENCE;
        if (inFlight || offsets(transactionalId, false).containsKey(partition)) {
            return new Reading.Unsettled(state);
        }
        return new Reading.Settled(CommitMarker.NONE);
    }

    private Map<TopicPartition, OffsetAndMetadata> offsets(String transactionalId, boolean requireStable)
            throws InterruptedException {
        try {
            return admin.listConsumerGroupOffsets(markerGroup(transactionalId),
                            new ListConsumerGroupOffsetsOptions().requireStable(requireStable))
                    .partitionsToOffsetAndMetadata().get(MARKER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new SinkException("cannot read the commit marker of " + transactionalId + ": "
                    + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    private TransactionState transactionState(String transactionalId) throws InterruptedException {
        try {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(MARKER_TIMEOUT.toSeconds(), TimeUnit.SECONDS).state();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return TransactionState.EMPTY; // never initialised: nothing can be in flight
            }
            throw new SinkException("cannot describe the transaction of " + transactionalId + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new SinkException("cannot describe the transaction of " + transactionalId + ": " + e, e);
        }
    }

    /**
     * Writes {@code records} and moves the marker to cover the task's records up to {@code until},
     * in one transaction.
     *
     * @param epoch       the scheduler's producer epoch for the id
     * @param basis       the marker the records were computed against, or {@link CommitMarker#NONE}
     *                    for a first attempt, which nothing can have committed before; checked again
     *                    whenever this runtime has to take the id over
     * @param output      how many of {@code records} are output (the rest are dead letters), for the marker's count
     * @return {@link Outcome.Committed}, or {@link Outcome.Superseded} if another attempt's commit
     *     turned up when this one took the id over
     * @throws SinkException if Kafka fails, or the id was taken twice from under this attempt
     */
    Outcome commit(TaskAttempt attempt, String transactionalId, long epoch, String markerTopic, CommitMarker basis,
                   int until, List<ProducerRecord<byte[], byte[]>> records, long output)
            throws InterruptedException {
        TaskId task = attempt.task();
        Held held = acquire(transactionalId, epoch);
        // A producer initialised just now has fenced whoever held the id before. If that was another
        // attempt of this task (a copy, or one dispatched by a scheduler that has since been
        // replaced), it may have committed after the basis was read, or, for a first attempt, at
        // all: look at the marker again before writing. The id moves rarely, so this read is rare.
        boolean recheck = held.fresh();
        try {
            for (int round = 0; ; round++) {
                if (recheck) {
                    CommitMarker now = marker(transactionalId, markerTopic);
                    if (now.committedUpTo(task) != basis.committedUpTo(task)) {
                        log.info("{}: another attempt committed under {} meanwhile ({}); not writing", attempt,
                                transactionalId, now);
                        release(transactionalId);
                        return new Outcome.Superseded(now);
                    }
                }
                CommitMarker next = basis.advance(task, until, output);
                try {
                    write(held.producer(), transactionalId, markerTopic, next, records);
                    release(transactionalId);
                    return new Outcome.Committed(next);
                } catch (KafkaException e) {
                    if (!fenced(e) || round > 0) {
                        discard(transactionalId, held.producer());
                        throw new SinkException(fenced(e)
                                ? transactionalId + " was taken over twice while " + attempt + " wrote; this attempt's output is void"
                                : "committing " + attempt + " as " + transactionalId + " failed: " + e.getMessage(), e);
                    }
                    // Another producer took the id (a speculative copy, or the id moved without the
                    // scheduler knowing): take it back, and look again at what has committed.
                    log.info("{}: producer of {} was fenced; initialising a new one", attempt, transactionalId);
                    held.producer().close(Duration.ZERO);
                    held = replace(transactionalId, epoch);
                    recheck = true;
                }
            }
        } catch (InterruptException e) {
            discard(transactionalId, held.producer());
            throw new InterruptedException(attempt + " was interrupted while committing");
        } catch (RuntimeException | InterruptedException e) {
            discard(transactionalId, held.producer()); // frees the id; the next attempt starts with a new producer
            throw e;
        }
    }

    private static void write(KafkaProducer<byte[], byte[]> producer, String transactionalId, String markerTopic,
                              CommitMarker next, List<ProducerRecord<byte[], byte[]>> records) {
        producer.beginTransaction();
        try {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            producer.sendOffsetsToTransaction(
                    Map.of(new TopicPartition(markerTopic, 0), new OffsetAndMetadata(next.batchTime(), next.metadata())),
                    new ConsumerGroupMetadata(markerGroup(transactionalId)));
            producer.commitTransaction();
        } catch (KafkaException e) {
            if (!fenced(e)) {
                try {
                    producer.abortTransaction();
                } catch (KafkaException abort) {
                    log.debug("Abort under {} failed: {}", transactionalId, abort.toString());
                }
            }
            throw e;
        }
    }

    private static boolean fenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    /** Takes the id's producer, replacing a cached one of another epoch; two attempts of one id on this runtime take turns. */
    private Held acquire(String transactionalId, long epoch) throws InterruptedException {
        synchronized (this) {
            while (busy.contains(transactionalId)) {
                wait();
            }
            if (closed) {
                throw new SinkException("the sink is closed", null);
            }
            busy.add(transactionalId);
            Held cached = producers.get(transactionalId);
            if (cached != null && cached.epoch() == epoch) {
                return cached;
            }
            if (cached != null) {
                producers.remove(transactionalId);
                log.debug("{} came back to this runtime (epoch {} -> {}); its cached producer was fenced", transactionalId,
                        cached.epoch(), epoch);
                cached.producer().close(Duration.ZERO);
            }
        }
        return replace(transactionalId, epoch);
    }

    /** Creates and initialises a producer for an id this thread holds busy. */
    private Held replace(String transactionalId, long epoch) {
        KafkaProducer<byte[], byte[]> producer;
        try {
            producer = newProducer(transactionalId);
        } catch (KafkaException e) {
            synchronized (this) {
                producers.remove(transactionalId);
                busy.remove(transactionalId);
                notifyAll();
            }
            throw new SinkException("cannot initialise transactions as " + transactionalId + ": " + e.getMessage(), e);
        }
        synchronized (this) {
            producers.put(transactionalId, new Held(producer, epoch, false));
        }
        return new Held(producer, epoch, true);
    }

    private KafkaProducer<byte[], byte[]> newProducer(String transactionalId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-" + runtimeName + "-" + transactionalId);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 120_000);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        // Taking an id over answers CONCURRENT_TRANSACTIONS until the old producer's transaction is
        // aborted, a few ms later. The default backoff (100 ms, doubling to 1 s) made that wait the
        // larger part of a re-run's delay after a runtime was lost.
        config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        config.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 100);
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
        Held cached = producers.get(transactionalId);
        if (cached != null && cached.producer() == producer) {
            producers.remove(transactionalId);
        }
        busy.remove(transactionalId);
        notifyAll();
        producer.close(Duration.ZERO);
    }

    static String markerGroup(String transactionalId) {
        return transactionalId + ".marker";
    }

    @Override
    public void close() {
        Map<String, Held> all;
        synchronized (this) {
            closed = true;
            all = new HashMap<>(producers);
            producers.clear();
            notifyAll();
        }
        all.values().forEach(h -> h.producer().close(Duration.ofSeconds(2)));
        admin.close(Duration.ofSeconds(2));
    }
}
