package io.sluice.scheduler;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a scheduler runs. Start from {@link #defaults(String)} and change what you need.
 *
 * @param host the address the runtime WebSocket listens on
 * @param port the runtime WebSocket port; 0 picks a free one
 * @param kafkaBootstrap the Kafka cluster that holds the pipelines' topics
 * @param clusterName the data grid's cluster name given to runtimes in other processes; empty when the
 *     scheduler's node is local and only in-process runtimes can attach
 * @param clusterHosts the {@code host[port]} members runtimes join the data grid through
 * @param runtimeTimeout how long a runtime may stay silent before it counts as lost (a runtime that
 *     dies closes its socket and is lost at once; this is for hung or cut-off ones). 5 s by default:
 *     2 s declared a healthy runtime lost on a loaded machine
 * @param taskTimeout how long one attempt may run before it is cancelled and retried
 * @param maxAttempts failed attempts before a task's records go to the dead-letter topic
 * @param retryBackoff delay before the first retry; doubles per failure up to {@code maxRetryBackoff}
 * @param maxRetryBackoff cap on the retry delay
 * @param tickInterval how often timeouts and backoffs are checked
 * @param maxBatchesInFlight how many batches of one pipeline may be cut and not yet committed; ingest
 *     stops reading and cutting at this many, and reads on as they commit. It bounds memory, and
 *     it bounds the pool of transactional ids exactly-once output needs: batch sequence modulo
 *     this number picks the id, so two batches sharing one never overlap
 * @param ingestLimits how much one pipeline's ingest may hold in the batch store and in its open batch
 * @param runtimeSecret what a runtime must prove to connect (its handshake's {@code X-Sluice-Secret}), or
 *     empty to take any runtime
 */
public record SchedulerConfig(String host, int port, String kafkaBootstrap, String clusterName,
                              List<String> clusterHosts, Duration runtimeTimeout, Duration taskTimeout,
                              int maxAttempts, Duration retryBackoff, Duration maxRetryBackoff,
                              Duration tickInterval, int maxBatchesInFlight, IngestLimits ingestLimits,
                              String runtimeSecret) {

    /**
     * How much one pipeline's ingest holds, so that draining a backlog never reads the topic into
     * memory: it stops reading (pausing its Kafka partitions) while the blocks of its uncommitted
     * batches take {@code maxStoredBytes} or more, or while the open batch has reached either of its
     * limits; a due batch is not cut while the store budget or {@code maxBatchesInFlight} is full.
     * A batch can overshoot its limits by one poll (at most 10,000 records and one fetch, which is
     * capped at {@code maxBatchBytes}), and the store by one batch.
     *
     * <p>The defaults keep everything a pipeline's ingest holds under about 160 MiB: 128 MiB of
     * stored blocks (a full window of 8 batches of the 16 MiB maximum), one open batch, one fetch.
     * That fits a 512 MiB heap that also runs in-process runtimes ({@code sluice dev}); in a cluster
     * the stored blocks are spread over the data owners, two copies each. The limits are per
     * pipeline. Per interval a pipeline takes at most {@code maxBatchRecords} records, which is the
     * fastest it catches up on a backlog: 200,000 a second at 1 s batches.
     *
     * @param maxStoredBytes  stop reading and cutting while this many block bytes are stored uncommitted
     * @param maxBatchRecords stop reading while the open batch holds this many records
     * @param maxBatchBytes   stop reading while the open batch's blocks take this many bytes
     */
    public record IngestLimits(long maxStoredBytes, int maxBatchRecords, long maxBatchBytes) {

        /** 128 MiB stored, 200,000 records or 16 MiB per batch. */
        public static final IngestLimits DEFAULT = new IngestLimits(128L << 20, 200_000, 16L << 20);

        public IngestLimits {
            if (maxStoredBytes < 1 || maxBatchRecords < 1 || maxBatchBytes < 1) {
                throw new IllegalArgumentException("ingest limits must be positive: " + maxStoredBytes + " stored bytes, "
                        + maxBatchRecords + " records and " + maxBatchBytes + " bytes per batch");
            }
        }
    }

    /** The default runtime WebSocket port. */
    public static final int DEFAULT_PORT = 7070;

    public SchedulerConfig {
        runtimeSecret = runtimeSecret == null ? "" : runtimeSecret;
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
        clusterName = clusterName == null ? "" : clusterName;
        clusterHosts = List.copyOf(clusterHosts);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (maxBatchesInFlight < 1 || maxBatchesInFlight > 64) {
            throw new IllegalArgumentException("maxBatchesInFlight must be 1..64, was " + maxBatchesInFlight);
        }
        Objects.requireNonNull(ingestLimits, "ingestLimits");
    }

    /**
     * @param kafkaBootstrap the Kafka bootstrap servers
     * @return loopback on {@value #DEFAULT_PORT}, local data grid, 5 s runtime timeout, 60 s task
     *     timeout, 4 attempts with 100 ms to 2 s backoff, 8 batches in flight per pipeline,
     *     {@link IngestLimits#DEFAULT} ingest limits
     */
    public static SchedulerConfig defaults(String kafkaBootstrap) {
        return new SchedulerConfig("127.0.0.1", DEFAULT_PORT, kafkaBootstrap, "", List.of(), Duration.ofSeconds(5),
                Duration.ofSeconds(60), 4, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(100), 8,
                IngestLimits.DEFAULT, "");
    }

    /** @return the same configuration, taking only runtimes that prove {@code secret} */
    public SchedulerConfig withRuntimeSecret(String secret) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight, ingestLimits,
                secret == null ? "" : secret);
    }

    /** @return the same configuration listening on {@code newHost} */
    public SchedulerConfig withHost(String newHost) {
        return new SchedulerConfig(newHost, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight, ingestLimits, runtimeSecret);
    }

    /** @return the same configuration on {@code newPort} */
    public SchedulerConfig withPort(int newPort) {
        return new SchedulerConfig(host, newPort, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight, ingestLimits, runtimeSecret);
    }

    /** @return the same configuration telling runtimes to join data grid {@code name} through {@code hosts} */
    public SchedulerConfig withCluster(String name, List<String> hosts) {
        return new SchedulerConfig(host, port, kafkaBootstrap, name, hosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight, ingestLimits, runtimeSecret);
    }

    /** @return the same configuration with another task timeout */
    public SchedulerConfig withTaskTimeout(Duration timeout) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, timeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight, ingestLimits, runtimeSecret);
    }

    /** @return the same configuration with another number of attempts per task */
    public SchedulerConfig withMaxAttempts(int attempts) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                attempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight, ingestLimits, runtimeSecret);
    }

    /** @return the same configuration with another bound on batches in flight per pipeline */
    public SchedulerConfig withMaxBatchesInFlight(int batches) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, batches, ingestLimits, runtimeSecret);
    }

    /** @return the same configuration with other limits on what each pipeline's ingest holds */
    public SchedulerConfig withIngestLimits(IngestLimits limits) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight, limits, runtimeSecret);
    }
}
