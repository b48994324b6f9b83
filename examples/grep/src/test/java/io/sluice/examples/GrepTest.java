package io.sluice.examples;

import io.sluice.function.testing.CollectingEmitter;
import io.sluice.function.testing.TestBatch;
import io.sluice.function.testing.TestContext;
import io.sluice.function.testing.TestRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrepTest {

    private static final TestBatch LOG = TestBatch.of(
            TestRecord.of("a", "INFO started"),
            TestRecord.of("b", "ERROR disk full"),
            TestRecord.of("c", null),
            TestRecord.of("d", "WARN slow; ERROR later"));

    @Test
    void keepsMatchingRecordsWithTheirKeys() {
        Grep grep = new Grep();
        grep.open(TestContext.withParameters(Map.of("pattern", "ERROR \\w+")));
        CollectingEmitter out = new CollectingEmitter();
        grep.apply(LOG, out);
        assertEquals(List.of("b", "d"), out.records().stream().map(CollectingEmitter.Emitted::keyAsString).toList());
        assertEquals("ERROR disk full", out.records().get(0).valueAsString());
    }

    @Test
    void invertKeepsTheOthersIncludingNullValues() {
        Grep grep = new Grep();
        grep.open(TestContext.withParameters(Map.of("pattern", "ERROR", "invert", "true")));
        CollectingEmitter out = new CollectingEmitter();
        grep.apply(LOG, out);
        assertEquals(List.of("a", "c"), out.records().stream().map(CollectingEmitter.Emitted::keyAsString).toList());
    }

    @Test
    void refusesAMissingOrBrokenPattern() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new Grep().open(TestContext.withParameters(Map.of())));
        assertTrue(missing.getMessage().contains("pattern"));
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> new Grep().open(TestContext.withParameters(Map.of("pattern", "(unclosed"))));
        assertTrue(broken.getMessage().contains("not a regular expression"), broken.getMessage());
    }
}
