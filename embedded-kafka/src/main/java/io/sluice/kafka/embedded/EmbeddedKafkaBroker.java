package io.sluice.kafka.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A single-node Kafka broker in KRaft mode, running in this JVM on 127.0.0.1.
 *
 * <p>It is the real broker from {@code org.apache.kafka:kafka_2.13}: one node acts as broker and
 * controller, its storage is formatted the way {@code kafka-storage.sh format} does it, and the
 * internal topics (consumer offsets, transaction state) have one replica so that groups and
 * transactions work on a single node.
 *
 * <p>The ports are chosen on the first {@link #start()} and kept: a {@link #stop()} followed by
 * {@link #start()} is a broker restart on the same address with the same data, which is what the
 * failure tests need. {@link #close()} stops the broker and deletes its directory.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.create().start()) {
 *     kafka.createTopic("words", 8);
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path directory;
    private final boolean ownsDirectory;
    private final Map<String, String> overrides;
    private int brokerPort;
    private int controllerPort;
    private KafkaRaftServer server;
    private boolean formatted;

    private EmbeddedKafkaBroker(Path directory, boolean ownsDirectory, Map<String, String> overrides) {
        this.directory = directory;
        this.ownsDirectory = ownsDirectory;
        this.overrides = Map.copyOf(overrides);
    }

    /** @return a broker with its data in a new temporary directory, deleted by {@link #close()} */
    public static EmbeddedKafkaBroker create() {
        return create(Map.of());
    }

    /**
     * @param overrides broker properties that replace the defaults (for example {@code log.retention.ms})
     * @return a broker with its data in a new temporary directory, deleted by {@link #close()}
     */
    public static EmbeddedKafkaBroker create(Map<String, String> overrides) {
        try {
            return new EmbeddedKafkaBroker(Files.createTempDirectory("sluice-kafka-"), true, overrides);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded Kafka broker", e);
        }
    }

    /**
     * Starts the broker, formatting its storage on the first start, and returns once it answers
     * a {@code describeCluster} request.
     *
     * @return this broker
     * @throws IllegalStateException if it is running already or does not answer within a minute
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("the embedded Kafka broker is running already");
        }
        long started = System.nanoTime();
        if (brokerPort == 0) {
            brokerPort = freePort();
            controllerPort = freePort();
        }
        KafkaConfig config = KafkaConfig.fromProps(properties(), false);
        if (!formatted) {
            format(config);
            formatted = true;
        }
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        awaitReady();
        log.info("Kafka broker up on {} in {} ms (data in {})", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), directory);
        return this;
    }

    /** Stops the broker cleanly and keeps its data, so that {@link #start()} restarts it. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        log.info("Kafka broker on {} stopped", bootstrapServers());
    }

    /** @return whether the broker is running */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** @return {@code 127.0.0.1:<port>}, stable across restarts */
    public synchronized String bootstrapServers() {
        if (brokerPort == 0) {
            throw new IllegalStateException("the embedded Kafka broker was never started");
        }
        return "127.0.0.1:" + brokerPort;
    }

    /**
     * Creates a topic with one replica, or does nothing if it exists, and returns once its
     * partition leaders serve requests (not merely once the controller knows the topic: a producer
     * writing in between gets {@code NOT_LEADER_OR_FOLLOWER}, and an idempotent one can then stall).
     *
     * @param name       the topic name
     * @param partitions the number of partitions
     */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic with topic configs, such as {@code cleanup.policy=compact}, and waits until its
     * partitions have leaders.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            try {
                admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
                }
            }
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(name, p), OffsetSpec.latest());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the leaders of topic " + name + " are not ready: " + e.getCause(), e);
                    }
                    sleep(50);
                }
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e, e);
        }
    }

    /** @return an admin client for this broker; the caller closes it */
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    /** Stops the broker and deletes its data directory. */
    @Override
    public synchronized void close() {
        stop();
        if (ownsDirectory) {
            deleteRecursively(directory);
        }
    }

    private Properties properties() {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", directory.resolve("data").toString());
        // One node: every internal topic gets one replica, or groups and transactions wait forever.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        props.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        props.putAll(overrides);
        return props;
    }

    private void format(KafkaConfig config) {
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(config.metadataLogDir())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setWriteBootstrapSnapshot(true);
        config.logDirs().forEach(formatter::addDirectory);
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the embedded Kafka broker's storage in " + directory, e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = e;
                }
                sleep(100);
            }
        }
        stop();
        throw new IllegalStateException("the embedded Kafka broker did not answer within " + START_TIMEOUT.toSeconds() + " s", last);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the embedded Kafka broker", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", root, e.toString());
        }
    }
}
