package io.sluice.bench;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.BuiltIns;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.sluice.sql.CompiledQuery;
import io.sluice.sql.SqlCompiler;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One run, one broker: N records are produced once, then read and passed through by
 * <ol>
 *   <li>a raw Kafka loop (one consumer, one producer, no framework): the floor to compare with;</li>
 *   <li>Sluice, at-least-once, the grep example matching every record, 2 in-process runtimes;</li>
 *   <li>Sluice, exactly-once, the same;</li>
 *   <li>Sluice, exactly-once, the word-count example alone: one count per word per partition;</li>
 *   <li>Sluice, exactly-once, the word-count example then a {@code sum} stage into 4 partitions:
 *       one count per word per batch, through a shuffle in the store;</li>
 *   <li>Sluice, exactly-once, the same word count written in SQL ({@code CROSS JOIN UNNEST(SPLIT(line, ' '))},
 *       {@code GROUP BY word}), compiled to the same two stages.</li>
 * </ol>
 * The values are 100 bytes of words from a vocabulary of 10,000, so grep and the raw loop pass
 * them through and word count has words to count.
 * Each reads the same input from the start and writes its own output topic. Printed: records/s and
 * the ratio to the raw loop, and for Sluice the median and worst batch delays.
 *
 * <p>Usage: {@code bench/run [records] [partitions]} (the jars of grep and word count come first). The machine is shared and noisy: compare the
 * ratios within one run, not figures across runs.
 */
public final class ThroughputBench {

    private static final int VALUE_BYTES = 100;
    /** W in SQL: the two-stage word count, each line split on spaces, counted per word per batch. */
    private static final String WORD_COUNT_SQL = "SELECT word, COUNT(*) AS n FROM \"%s\""
            + " CROSS JOIN UNNEST(SPLIT(line, ' ')) AS w(word) WHERE word <> '' GROUP BY word";

    private ThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        byte[] grepJar = Files.readAllBytes(Path.of(args[0]));
        byte[] wordCountJar = Files.readAllBytes(Path.of(args[1]));
        int records = args.length > 2 ? Integer.parseInt(args[2]) : 500_000;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.create().start()) {
            String input = "bench-in";
            kafka.createTopic(input, partitions);
            produce(kafka.bootstrapServers(), input, records);
            System.out.printf(Locale.ROOT, "%,d records of %d bytes in %d partitions, one embedded broker, %d cores%n%n",
                    records, VALUE_BYTES, partitions, Runtime.getRuntime().availableProcessors());

            double raw = rawLoop(kafka, input, "bench-raw-out", records);
            System.out.printf(Locale.ROOT, "%-34s %10s %12s %8s %14s %14s%n", "run", "seconds", "records/s", "ratio",
                    "median delay", "worst delay");
            row("raw Kafka consume-produce loop", records, raw, raw, null);
            Job grep = new Job("grep", "io.sluice.examples.Grep", grepJar, Map.of("pattern", "."), List.of());
            for (Delivery delivery : Delivery.values()) {
                Result r = sluice(kafka, input, grep, records, partitions, delivery);
                row("Sluice, " + delivery.text() + ", 1 s batches", records, r.seconds, raw, r.delays);
            }
            Job oneStage = new Job("wordcount", "io.sluice.examples.WordCount", wordCountJar, Map.of(), List.of());
            Result one = sluice(kafka, input, oneStage, records, partitions, Delivery.EXACTLY_ONCE);
            row("Sluice, EO, word count, 1 stage", records, one.seconds, raw, one.delays);
            Job twoStages = new Job("wordcount-sum", "io.sluice.examples.WordCount", wordCountJar, Map.of(),
                    List.of(StageSpec.reduce("sum", 4)));
            Result two = sluice(kafka, input, twoStages, records, partitions, Delivery.EXACTLY_ONCE);
            row("Sluice, EO, word count + sum", records, two.seconds, raw, two.delays);
            CompiledQuery query = SqlCompiler.compile(WORD_COUNT_SQL.formatted(input), input,
                    InputSchema.parse("line VARCHAR", InputSchema.Format.CSV), Duration.ofSeconds(1));
            Job sql = new Job(BuiltIns.SQL, null, null, query.parameters(Map.of()), query.stages(4));
            Result bySql = sluice(kafka, input, sql, records, partitions, Delivery.EXACTLY_ONCE);
            row("Sluice, EO, word count in SQL", records, bySql.seconds, raw, bySql.delays);
            System.out.printf(Locale.ROOT, "%nthe two-stage word count runs at %.2fx the one-stage throughput%n",
                    one.seconds / two.seconds);
            System.out.printf(Locale.ROOT, "the SQL word count runs at %.2fx the two-stage function's throughput%n",
                    two.seconds / bySql.seconds);
        }
    }

    private record Result(double seconds, List<Long> delays) {
    }

    /** A function to deploy, with its stages after it. */
    private record Job(String name, String className, byte[] jar, Map<String, String> parameters,
                       List<StageSpec> stages) {
    }

    private static void produce(String bootstrap, String topic, int records) {
        Random random = new Random(1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 10,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            StringBuilder line = new StringBuilder(VALUE_BYTES + 8);
            for (int i = 0; i < records; i++) {
                line.setLength(0);
                while (line.length() < VALUE_BYTES) {
                    line.append('w').append(random.nextInt(10_000)).append(' ');
                }
                line.setLength(VALUE_BYTES);
                producer.send(new ProducerRecord<>(topic, ("k" + i % 1000).getBytes(StandardCharsets.UTF_8),
                        line.toString().getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /** The floor: read everything, write it back, commit; no batching framework in between. */
    private static double rawLoop(EmbeddedKafkaBroker kafka, String input, String output, int records) {
        kafka.createTopic(output, 8);
        long start = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "bench-raw",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.LINGER_MS_CONFIG, 5,
                     ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024,
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            consumer.subscribe(List.of(input));
            long seen = 0;
            while (seen < records) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    producer.send(new ProducerRecord<>(output, r.key(), r.value()));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    seen++;
                }
                if (!offsets.isEmpty()) {
                    producer.flush();
                    consumer.commitSync(offsets);
                }
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static Result sluice(EmbeddedKafkaBroker kafka, String input, Job job, int records, int partitions,
                                 Delivery delivery) throws Exception {
        Vertx vertx = Vertx.vertx();
        String pipeline = "bench-" + (job.jar() == null ? "sql-wordcount" : job.name()) + "-" + delivery.text();
        try (SluiceNode node = SluiceNode.local();
             Scheduler scheduler = Scheduler.start(SchedulerConfig.defaults(kafka.bootstrapServers()).withPort(0), node, vertx);
             FunctionRuntime r1 = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "bench-1", 2), node, vertx);
             FunctionRuntime r2 = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "bench-2", 2), node, vertx)) {
            if (!r1.awaitReady(Duration.ofSeconds(30)) || !r2.awaitReady(Duration.ofSeconds(30))) {
                throw new IllegalStateException("runtimes did not connect");
            }
            if (job.jar() != null) {
                scheduler.registerFunction(job.name(), job.className(), job.jar());
            }
            long start = System.nanoTime();
            scheduler.createPipeline(pipeline, job.name(), List.of(input), pipeline + "-out", Duration.ofSeconds(1),
                    partitions, job.parameters(), delivery, true, job.stages());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (!committedToEnd(kafka, "sluice." + pipeline, input)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(pipeline + " did not finish within 10 minutes");
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Long> delays = new ArrayList<>();
            PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
            for (BatchInfo b : progress.recent()) {
                delays.add(b.totalDelay().toMillis());
            }
            if (progress.records() != records) {
                throw new IllegalStateException(pipeline + " accounted for " + progress.records() + " of " + records + " records");
            }
            return new Result(seconds, delays);
        } finally {
            vertx.close();
        }
    }

    private static boolean committedToEnd(EmbeddedKafkaBroker kafka, String group, String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(request).all().get().entrySet().stream().allMatch(e -> {
                OffsetAndMetadata c = committed.get(e.getKey());
                return c != null && c.offset() >= e.getValue().offset();
            });
        }
    }

    private static void row(String name, int records, double seconds, double rawSeconds, List<Long> delays) {
        String median = "-";
        String worst = "-";
        if (delays != null && !delays.isEmpty()) {
            List<Long> sorted = new ArrayList<>(delays);
            sorted.sort(null);
            median = sorted.get(sorted.size() / 2) + " ms";
            worst = sorted.get(sorted.size() - 1) + " ms";
        }
        System.out.printf(Locale.ROOT, "%-34s %10.2f %,12.0f %7.2fx %14s %14s%n", name, seconds, records / seconds,
                rawSeconds / seconds, median, worst);
    }
}
