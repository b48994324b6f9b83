package io.sluice.scheduler.internal;

import io.sluice.core.table.TableSpec;
import io.sluice.core.table.Tables;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps every table in the store up to date with its topic, while this scheduler is active: one
 * thread per table reads the topic with {@code read_committed} (so a materialised pipeline's table
 * holds exactly its committed batches) and applies each poll's latest value per key, then the
 * positions after them. The positions live with the rows, so the next active scheduler goes on
 * where this one stopped; applying a record twice leaves the same row.
 */
public final class TableLoaders implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TableLoaders.class);
    private static final Duration CHECK = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String bootstrap;
    private final Tables tables;
    private final BooleanSupplier active;
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-tables");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Loader> loaders = new ConcurrentHashMap<>();

    public TableLoaders(String bootstrap, Tables tables, BooleanSupplier active) {
        this.bootstrap = bootstrap;
        this.tables = tables;
        this.active = active;
    }

    public void start() {
        checker.scheduleWithFixedDelay(this::reconcile, 0, CHECK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void reconcile() {
        try {
            Set<String> wanted = new HashSet<>();
            for (TableSpec spec : tables.tables()) {
                wanted.add(spec.name());
                loaders.computeIfAbsent(spec.name(), n -> {
                    Loader loader = new Loader(spec);
                    loader.thread.start();
                    return loader;
                });
            }
            loaders.entrySet().removeIf(e -> {
                boolean gone = !wanted.contains(e.getKey());
                if (gone) {
                    e.getValue().stop();
                }
                return gone;
            });
        } catch (RuntimeException e) {
            log.warn("Cannot list the tables; trying again in {} ms: {}", CHECK.toMillis(), e.toString());
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
        loaders.values().forEach(Loader::stop);
        for (Loader loader : loaders.values()) {
            try {
                loader.thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        loaders.clear();
    }

    /** Reads one table's topic into the store. */
    private final class Loader {
        private final TableSpec spec;
        private final Thread thread;
        private volatile boolean stopped;
        private volatile KafkaConsumer<byte[], byte[]> consumer;

        Loader(TableSpec spec) {
            this.spec = spec;
            this.thread = new Thread(this::run, "sluice-table-" + spec.name());
            thread.setDaemon(true);
        }

        void stop() {
            stopped = true;
            KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }

        private void run() {
            while (!stopped) {
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(properties(), new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
                    consumer = c;
                    if (stopped) {
                        return;
                    }
                    follow(c);
                } catch (WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    if (stopped) {
                        return;
                    }
                    log.warn("Table {}: reading {} failed, starting again in {} ms: {}", spec.name(), spec.topic(),
                            CHECK.toMillis(), e.toString());
                    sleep();
                }
            }
        }

        private void follow(KafkaConsumer<byte[], byte[]> c) {
            List<TopicPartition> partitions = partitions(c);
            if (partitions == null) {
                return;
            }
            c.assign(partitions);
            Map<Integer, Long> saved = tables.positions(spec.name());
            for (TopicPartition tp : partitions) {
                Long at = saved.get(tp.partition());
                if (at == null) {
                    c.seekToBeginning(List.of(tp));
                } else {
                    c.seek(tp, at);
                }
            }
            log.info("Table {} follows {} ({} partitions){}", spec.name(), spec.topic(), partitions.size(),
                    saved.isEmpty() ? " from the beginning" : " from where it stopped");
            while (!stopped && active.getAsBoolean()) {
                ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                Map<String, byte[]> latest = new LinkedHashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (r.key() != null) {
                        latest.put(Tables.key(r.key()), r.value());
                    }
                }
                Map<Integer, Long> positions = new HashMap<>();
                for (TopicPartition tp : records.partitions()) {
                    positions.put(tp.partition(), c.position(tp));
                }
                tables.apply(spec.name(), latest, positions);
            }
            if (!stopped) {
                stopped = true; // this scheduler is no longer active; the next one takes over
            }
        }

        /** @return the topic's partitions, or null if stopped while waiting for the topic to exist */
        private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c) {
            boolean said = false;
            while (!stopped) {
                List<PartitionInfo> infos = c.partitionsFor(spec.topic(), Duration.ofSeconds(10));
                if (infos != null && !infos.isEmpty()) {
                    List<TopicPartition> out = new ArrayList<>();
                    infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
                    return out;
                }
                if (!said) {
                    log.info("Table {} waits for topic {} to exist", spec.name(), spec.topic());
                    said = true;
                }
                sleep();
            }
            return null;
        }

        private Properties properties() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-table-" + spec.name());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
            return p;
        }

        private void sleep() {
            try {
                Thread.sleep(CHECK.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }
    }
}
