package io.sluice.examples;

import io.sluice.function.testing.CollectingEmitter;
import io.sluice.function.testing.TestBatch;
import io.sluice.function.testing.TestRecord;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WordCountTest {

    @Test
    void countsWordsCaseInsensitivelyAcrossRecords() {
        CollectingEmitter out = new CollectingEmitter();
        new WordCount().apply(TestBatch.ofValues("To be, or not to be:", "that is THE question.", "be"), out);
        assertEquals(Map.of("to", "2", "be", "3", "or", "1", "not", "1", "that", "1", "is", "1", "the", "1",
                "question", "1"), out.asStringMap());
        assertEquals(8, out.records().size(), "one record per distinct word");
    }

    @Test
    void ignoresNullValuesAndEmitsNothingForAnEmptyBatch() {
        CollectingEmitter out = new CollectingEmitter();
        new WordCount().apply(TestBatch.of(TestRecord.of("k", null), TestRecord.of("k", "  ...  ")), out);
        assertTrue(out.records().isEmpty());
        new WordCount().apply(TestBatch.of(), out);
        assertTrue(out.records().isEmpty());
    }
}
