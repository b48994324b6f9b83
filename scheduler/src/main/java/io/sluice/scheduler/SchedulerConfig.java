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
 * @param maxBatchesInFlight how many batches of one pipeline may run at once; later batches wait.
 *     It bounds memory, and it bounds the pool of transactional ids exactly-once output needs:
 *     batch sequence modulo this number picks the id, so two batches sharing one never overlap
 */
public record SchedulerConfig(String host, int port, String kafkaBootstrap, String clusterName,
                              List<String> clusterHosts, Duration runtimeTimeout, Duration taskTimeout,
                              int maxAttempts, Duration retryBackoff, Duration maxRetryBackoff,
                              Duration tickInterval, int maxBatchesInFlight) {

    /** The default runtime WebSocket port. */
    public static final int DEFAULT_PORT = 7070;

    public SchedulerConfig {
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
    }

    /**
     * @param kafkaBootstrap the Kafka bootstrap servers
     * @return loopback on {@value #DEFAULT_PORT}, local data grid, 2 s runtime timeout, 60 s task
     *     timeout, 4 attempts with 100 ms to 2 s backoff, 8 batches in flight per pipeline
     */
    public static SchedulerConfig defaults(String kafkaBootstrap) {
        return new SchedulerConfig("127.0.0.1", DEFAULT_PORT, kafkaBootstrap, "", List.of(), Duration.ofSeconds(5),
                Duration.ofSeconds(60), 4, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(100), 8);
    }

    /** @return the same configuration listening on {@code newHost} */
    public SchedulerConfig withHost(String newHost) {
        return new SchedulerConfig(newHost, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight);
    }

    /** @return the same configuration on {@code newPort} */
    public SchedulerConfig withPort(int newPort) {
        return new SchedulerConfig(host, newPort, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight);
    }

    /** @return the same configuration telling runtimes to join data grid {@code name} through {@code hosts} */
    public SchedulerConfig withCluster(String name, List<String> hosts) {
        return new SchedulerConfig(host, port, kafkaBootstrap, name, hosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight);
    }

    /** @return the same configuration with another task timeout */
    public SchedulerConfig withTaskTimeout(Duration timeout) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, timeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight);
    }

    /** @return the same configuration with another number of attempts per task */
    public SchedulerConfig withMaxAttempts(int attempts) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                attempts, retryBackoff, maxRetryBackoff, tickInterval, maxBatchesInFlight);
    }

    /** @return the same configuration with another bound on batches in flight per pipeline */
    public SchedulerConfig withMaxBatchesInFlight(int batches) {
        return new SchedulerConfig(host, port, kafkaBootstrap, clusterName, clusterHosts, runtimeTimeout, taskTimeout,
                maxAttempts, retryBackoff, maxRetryBackoff, tickInterval, batches);
    }
}
