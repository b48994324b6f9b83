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

class TopKTest {

    @Test
    void addsEachWordsBatchCountsAndEmitsTheLargestFirst() {
        TopK top = new TopK();
        top.open(TestContext.withParameters(Map.of("k", "2")));
        CollectingEmitter out = new CollectingEmitter();
        // grouped by word, as the window hands them over: one record per word and batch
        top.apply(TestBatch.of(TestRecord.of("be", "3"), TestRecord.of("be", "1"), TestRecord.of("or", "2"),
                TestRecord.of("to", "2"), TestRecord.of("to", "1")), out);
        assertEquals(List.of("be=4", "to=3"), out.records().stream().map(e -> e.keyAsString() + "=" + e.valueAsString()).toList());
    }

    @Test
    void tiesGoByWordAndFewerWordsGiveFewerRecords() {
        TopK top = new TopK();
        top.open(TestContext.withParameters(Map.of()));
        CollectingEmitter out = new CollectingEmitter();
        top.apply(TestBatch.of(TestRecord.of("b", "1"), TestRecord.of("a", "1")), out);
        assertEquals(List.of("a=1", "b=1"), out.records().stream().map(e -> e.keyAsString() + "=" + e.valueAsString()).toList());
    }

    @Test
    void refusesAKBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new TopK().open(TestContext.withParameters(Map.of("k", "0"))));
    }
}
