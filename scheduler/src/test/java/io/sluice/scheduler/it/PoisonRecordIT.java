package io.sluice.scheduler.it;

import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A function that throws on one record: the task is retried, then dead-lettered, and the pipeline goes on. */
class PoisonRecordIT {

    @Test
    void aPoisonRecordIsRetriedThenDeadLetteredAndNothingIsLost() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        try (InProcessEngine engine = InProcessEngine.start(kafka.bootstrapServers(), c -> c.withMaxAttempts(3), 2, "a", "b")) {
            Scheduler scheduler = engine.scheduler;
            String input = EngineFixture.unique("in");
            String output = EngineFixture.unique("out");
            String pipeline = EngineFixture.unique("poisoned");
            kafka.createTopic(input, 2);
            scheduler.registerFunction("throw-on-marker", "io.sluice.testfunctions.ThrowOnMarker",
                    EngineFixture.testFunctionsJar());
            scheduler.createPipeline(pipeline, "throw-on-marker", List.of(input), output, Duration.ofMillis(300), 2, Map.of());

            Set<String> sent = new HashSet<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                for (int i = 0; i < 400; i++) {
                    String value = i == 123 ? "record 123 POISON" : "record " + i;
                    producer.send(new ProducerRecord<>(input, "k" + i, value));
                    sent.add(value);
                }
            }

            KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
            Await.until(Duration.ofSeconds(60), () -> checks.committedToEnd("sluice." + pipeline, input),
                    () -> "the pipeline gets past the poison record; progress: " + scheduler.progress(pipeline));

            List<ConsumerRecord<String, String>> dead = checks.readAll("sluice.dlq." + pipeline);
            ConsumerRecord<String, String> poison = dead.stream().filter(r -> r.value().contains("POISON")).findFirst()
                    .orElseThrow(() -> new AssertionError("the poison record is in the dead-letter topic: " + dead));
            String error = new String(poison.headers().lastHeader("sluice.error").value(), StandardCharsets.UTF_8);
            assertTrue(error.contains("failed 3 time(s)") && error.contains("poison record at " + input), error);
            assertEquals(input, new String(poison.headers().lastHeader("sluice.source.topic").value(), StandardCharsets.UTF_8));

            Set<String> accounted = new HashSet<>();
            checks.readAll(output).forEach(r -> accounted.add(r.value()));
            dead.forEach(r -> accounted.add(r.value()));
            assertEquals(sent, accounted, "every input record is in the output or the dead-letter topic");
            assertTrue(checks.readAll(output).stream().noneMatch(r -> r.value().contains("POISON")));
            assertEquals(400, scheduler.progress(pipeline).orElseThrow().records());
        }
    }
}
