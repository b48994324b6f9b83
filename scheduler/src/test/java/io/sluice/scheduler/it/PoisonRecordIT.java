package io.sluice.scheduler.it;

import io.sluice.core.registry.Delivery;
import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A block that fails every attempt is bisected: only its poison records reach the dead-letter
 * topic, the rest of it reaches the output once, and the pipeline goes on.
 */
class PoisonRecordIT {

    private static final Logger log = LoggerFactory.getLogger(PoisonRecordIT.class);
    private static final Set<Integer> POISON = Set.of(17, 512, 998);

    @Test
    void onlyThePoisonRecordsOfABlockAreDeadLetteredAndTheRestIsWrittenOnce() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c.withMaxAttempts(3), 2, "a", "b")) {
            Scheduler scheduler = engine.scheduler;
            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("poisoned");
            kafka.createTopic(input, 1);
            scheduler.registerFunction("throw-on-marker", "io.sluice.testfunctions.ThrowOnMarker",
                    EngineFixture.testFunctionsJar());

            // Written before the pipeline starts, so its first poll reads all 1,000 into one block.
            Set<String> sent = new HashSet<>();
            Set<String> poison = new TreeSet<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                for (int i = 0; i < 1_000; i++) {
                    String value = POISON.contains(i) ? "record " + i + " POISON" : "record " + i;
                    producer.send(new ProducerRecord<>(input, "k" + i, value));
                    (POISON.contains(i) ? poison : sent).add(value);
                }
            }
            long start = System.nanoTime();
            scheduler.createPipeline(pipeline, "throw-on-marker", List.of(input), output, Duration.ofMillis(300), 1, Map.of(),
                    Delivery.EXACTLY_ONCE);

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(90), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline gets past the poison records; progress: " + scheduler.progress(pipeline));
            log.info("Bisected and committed 1,000 records with 3 poison ones in {} ms", (System.nanoTime() - start) / 1_000_000);

            List<ConsumerRecord<String, String>> dead = checks.readAll("sluice.dlq." + pipeline);
            assertEquals(poison, new TreeSet<>(dead.stream().map(ConsumerRecord::value).toList()),
                    "exactly the poison records are dead-lettered, once each");
            assertEquals(3, dead.size());
            for (ConsumerRecord<String, String> r : dead) {
                String error = header(r, "sluice.error");
                assertTrue(error.contains("poison record at " + input + "/0/" + header(r, "sluice.source.offset")), error);
                assertEquals(pipeline, header(r, "sluice.pipeline"));
                assertEquals(input, header(r, "sluice.source.topic"));
                assertEquals("0", header(r, "sluice.source.partition"));
                assertEquals("0", header(r, "sluice.partition"));
                assertTrue(Long.parseLong(header(r, "sluice.batch")) > 0);
            }

            List<ConsumerRecord<String, String>> out = checks.readAll(output);
            assertEquals(997, out.size(), "the rest of the block is written once");
            assertEquals(sent, new HashSet<>(out.stream().map(ConsumerRecord::value).toList()));

            PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
            assertEquals(1_000, progress.records());
            assertEquals(3, progress.deadLettered(), "status counts the dead letters");
            assertEquals(997, progress.outputRecords());

            // And the pipeline keeps going: later input is processed as usual.
            UniqueRecords later = new UniqueRecords(kafka.bootstrapServers(), input);
            later.produce(500);
            Await.until(Duration.ofSeconds(30), () -> checks.committedToEnd("sluice." + pipeline, input),
                    "later batches commit");
            assertEquals(1_497, checks.readAll(output).size());
        }
    }

    @Test
    void aFunctionThatCannotOpenDeadLettersItsBlocksWhole() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c.withMaxAttempts(2), 1, "a")) {
            Scheduler scheduler = engine.scheduler;
            String input = EngineFixture.unique("in");
            String pipeline = EngineFixture.unique("unopenable");
            kafka.createTopic(input, 1);
            scheduler.registerFunction("throw-in-open", "io.sluice.testfunctions.ThrowInOpen", EngineFixture.testFunctionsJar());
            new UniqueRecords(kafka.bootstrapServers(), input).produce(200);
            scheduler.createPipeline(pipeline, "throw-in-open", List.of(input), EngineFixture.unique("out"),
                    Duration.ofMillis(300), 1, Map.of(), Delivery.EXACTLY_ONCE);

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline moves on; progress: " + scheduler.progress(pipeline));
            assertEquals(200, checks.readAll("sluice.dlq." + pipeline).size());
            PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
            assertEquals(200, progress.deadLettered());
            assertEquals(3 * progress.tasksRun(), progress.attempts(),
                    "two failed attempts, then one that dead-letters the block, never record by record");
        }
    }

    private static String header(ConsumerRecord<String, String> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
