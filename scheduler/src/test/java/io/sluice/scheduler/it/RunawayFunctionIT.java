package io.sluice.scheduler.it;

import io.sluice.core.registry.Delivery;
import io.sluice.core.status.BatchInfo;
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

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A function stalls on one record and ignores the interrupt of every cancel, so each timed-out
 * attempt keeps its slot thread for a while. The scheduler must count those slots as taken (the
 * runtime reports them), later batches must run meanwhile rather than queue behind them, and the
 * timeouts, counted against the function, must bisect the block down to that one record: no
 * innocent record is dead-lettered.
 */
class RunawayFunctionIT {

    private static final Logger log = LoggerFactory.getLogger(RunawayFunctionIT.class);

    @Test
    void aFunctionThatIgnoresInterruptsHoldsOnlyItsOwnSlotsAndOnlyItsRecordIsDeadLettered() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(),
                c -> c.withTaskTimeout(Duration.ofSeconds(1)).withMaxAttempts(2), 2, "a", "b")) {
            Scheduler scheduler = engine.scheduler;
            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("runaway");
            kafka.createTopic(input, 1);
            scheduler.registerFunction("runaway", "io.sluice.testfunctions.RunawayOnMarker", EngineFixture.testFunctionsJar());

            Set<String> sent = new HashSet<>();
            String runaway = "record 77 RUNAWAY";
            try (KafkaProducer<String, String> producer = producer(kafka)) {
                for (int i = 0; i < 200; i++) {
                    String value = i == 77 ? runaway : "record " + i;
                    producer.send(new ProducerRecord<>(input, "k" + i, value));
                    if (i != 77) {
                        sent.add(value);
                    }
                }
            }
            AtomicInteger mostLingering = new AtomicInteger();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> mostLingering.accumulateAndGet(engine.lingeringAttempts(), Math::max),
                    0, 50, TimeUnit.MILLISECONDS);
            scheduler.createPipeline(pipeline, "runaway", List.of(input), output, Duration.ofMillis(200), 1,
                    Map.of("stall.ms", "2500"), Delivery.EXACTLY_ONCE);

            // Later input, in later batches, while the stalled threads linger.
            UniqueRecords later = new UniqueRecords(kafka.bootstrapServers(), input);
            later.produceSteadily(200, Duration.ofSeconds(3));

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline gets past the runaway record; progress: " + scheduler.progress(pipeline));

            List<ConsumerRecord<String, String>> dead = checks.readAll("sluice.dlq." + pipeline);
            assertEquals(List.of(runaway), dead.stream().map(ConsumerRecord::value).toList(),
                    "only the record the function stalls on is dead-lettered");
            List<ConsumerRecord<String, String>> out = checks.readAll(output);
            Set<String> expected = new HashSet<>(sent);
            for (long i = 0; i < later.produced(); i++) {
                expected.add("v" + i);
            }
            assertEquals(expected.size(), out.size(), "every other record is written once");
            assertEquals(expected, new HashSet<>(out.stream().map(ConsumerRecord::value).toList()));

            PipelineProgress progress = scheduler.progress(pipeline).orElseThrow();
            BatchInfo stalled = progress.recent().stream().filter(b -> b.deadLettered() > 0).findFirst().orElseThrow();
            long ranMeanwhile = progress.recent().stream()
                    .filter(b -> b.batchTime() > stalled.batchTime() && b.processingEndTime() < stalled.processingEndTime())
                    .count();
            log.info("stalled batch {} took {} ms; {} later batch(es) finished their tasks meanwhile", stalled.batchTime(),
                    stalled.processingEndTime() - stalled.processingStartTime(), ranMeanwhile);
            assertTrue(ranMeanwhile > 0, "later batches ran while the stalled threads lingered: " + progress.recent());
            sampler.shutdownNow();
            assertTrue(mostLingering.get() > 0, "timed-out attempts kept their threads (the function ignores interrupts)");
            Await.until(Duration.ofSeconds(15), () -> engine.lingeringAttempts() == 0,
                    "the lingering threads give their slots back once the function returns");
        }
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker kafka) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }
}
