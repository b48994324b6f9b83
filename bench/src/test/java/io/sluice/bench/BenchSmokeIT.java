package io.sluice.bench;

import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.kafka.embedded.SharedKafka;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small run of {@link CompareBench} in the build, so that the bench cannot rot: every contender,
 * each in its own JVM, drains 20,000 lines for G and W, and every output must be complete and
 * right. It checks validity and that each figure was measured, never speed.
 */
@Tag("slow")
class BenchSmokeIT {

    @Test
    void everyContenderDrainsTheWorkloadCorrectly() throws Exception {
        EmbeddedKafkaBroker kafka = SharedKafka.broker();
        String input = "smoke-lines";
        kafka.createTopic(input, 8);
        Workload.Expected expected = Workload.produce(kafka.bootstrapServers(), input, 20_000);
        assertTrue(expected.needles() > 200 && expected.needles() < 400, "about 1.5 % needles: " + expected.needles());
        CompareBench bench = new CompareBench(kafka.bootstrapServers(), Path.of(System.getProperty("sluice.cli.jar")),
                Path.of(System.getProperty("sluice.grep.jar")), Path.of(System.getProperty("sluice.word-count.jar")),
                Path.of("target", "smoke"), Duration.ofMinutes(3));
        List<CompareBench.Row> rows = bench.run(kafka, input, expected, List.of("G", "W"));
        assertEquals(9, rows.size(), "5 contenders for G, 4 for W");
        for (CompareBench.Row row : rows) {
            assertTrue(row.valid(), CompareBench.format(row));
            assertTrue(row.seconds() > 0 && row.peakRssMib() > 0, "a time and a peak RSS: " + CompareBench.format(row));
        }
    }
}
