package io.sluice.core.registry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineSpecTest {

    @Test
    void roundTrips() {
        PipelineSpec spec = spec("p", List.of("a", "b"), "out", Duration.ofMillis(500), 8);
        assertEquals(spec, PipelineSpec.decode(spec.encode()));
        assertEquals("sluice.p", spec.consumerGroup());
        assertEquals(Delivery.EXACTLY_ONCE, spec.delivery(), "exactly-once unless asked otherwise");
        PipelineSpec atLeastOnce = new PipelineSpec("q", "fn", 3, List.of("a"), "b", Duration.ofSeconds(2), 1, Map.of(),
                Delivery.AT_LEAST_ONCE, PipelineState.STOPPED, 9);
        assertEquals(atLeastOnce, PipelineSpec.decode(atLeastOnce.encode()));
        assertEquals(Delivery.AT_LEAST_ONCE, atLeastOnce.withState(PipelineState.RUNNING).delivery());
        assertTrue(spec.speculation(), "speculation is on unless asked otherwise");
        PipelineSpec noCopies = new PipelineSpec("r", "fn", 3, List.of("a"), "b", Duration.ofSeconds(2), 1, Map.of(),
                Delivery.EXACTLY_ONCE, PipelineState.RUNNING, 9, false);
        assertEquals(noCopies, PipelineSpec.decode(noCopies.encode()));
        assertFalse(noCopies.withState(PipelineState.STOPPED).speculation());
    }

    @Test
    void deliveryReadsAsPeopleWriteIt() {
        assertEquals(Delivery.EXACTLY_ONCE, Delivery.parse("exactly-once"));
        assertEquals(Delivery.AT_LEAST_ONCE, Delivery.parse("AT_LEAST_ONCE"));
        assertReason("delivery 'maybe-once' is not exactly-once or at-least-once", () -> Delivery.parse("maybe-once"));
    }

    @Test
    void everyBadFieldIsRefusedWithAReasonNamingIt() {
        assertReason("pipeline name 'bad name'", () -> spec("bad name", List.of("a"), "out", Duration.ofSeconds(1), 1));
        assertReason("at least one input topic", () -> spec("p", List.of(), "out", Duration.ofSeconds(1), 1));
        assertReason("topic name 'a/b'", () -> spec("p", List.of("a/b"), "out", Duration.ofSeconds(1), 1));
        assertReason("name a topic twice", () -> spec("p", List.of("a", "a"), "out", Duration.ofSeconds(1), 1));
        assertReason("also an input", () -> spec("p", List.of("a"), "a", Duration.ofSeconds(1), 1));
        assertReason("10 ms is out of range", () -> spec("p", List.of("a"), "out", Duration.ofMillis(10), 1));
        assertReason("partitions must be 1 to 1024, was 0", () -> spec("p", List.of("a"), "out", Duration.ofSeconds(1), 0));
        assertReason("class name 'not a class'", () -> Names.checkClassName("not a class"));
    }

    private static void assertReason(String expected, Runnable action) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    private static PipelineSpec spec(String name, List<String> in, String out, Duration interval, int partitions) {
        return new PipelineSpec(name, "fn", 1, in, out, interval, partitions, Map.of("k", "v"), PipelineState.RUNNING, 5);
    }
}
