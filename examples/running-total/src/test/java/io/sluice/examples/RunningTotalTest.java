package io.sluice.examples;

import io.sluice.function.testing.CollectingEmitter;
import io.sluice.function.testing.StateHarness;
import io.sluice.function.testing.TestBatch;
import io.sluice.function.testing.TestRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RunningTotalTest {

    @Test
    void totalsAddUpAcrossBatches() throws Exception {
        StateHarness totals = new StateHarness(new RunningTotal());
        StateHarness.Result first = totals.batch(1000, TestRecord.of("alice", "5"), TestRecord.of("bob", "1"),
                TestRecord.of("alice", "7"));
        assertEquals(List.of("alice=12", "bob=1"), show(first));
        assertEquals(List.of("bob=3"), show(totals.batch(2000, TestRecord.of("bob", "2"))));
        assertEquals("12", totals.stateAsString("alice"));
    }

    @Test
    void aBadAmountDeadLettersOnlyThatKeysBatch() throws Exception {
        StateHarness totals = new StateHarness(new RunningTotal());
        totals.batch(1000, TestRecord.of("alice", "5"));
        StateHarness.Result result = totals.batch(2000, TestRecord.of("alice", "five"), TestRecord.of("alice", "1"),
                TestRecord.of("bob", "4"));
        assertEquals(List.of("bob=4"), show(result));
        assertEquals(2, result.deadLetters().size(), "both of alice's records of the batch");
        assertEquals("5", totals.stateAsString("alice"), "alice keeps her total");
    }

    @Test
    void anIdleKeyTimesOutAndStartsAgainFromZero() throws Exception {
        StateHarness totals = new StateHarness(new RunningTotal(), Duration.ofSeconds(2));
        totals.batch(1000, TestRecord.of("alice", "5"));
        assertEquals(List.of("bob=1"), show(totals.batch(3000, TestRecord.of("bob", "1"))), "alice times out silently");
        assertNull(totals.stateAsString("alice"));
        assertEquals(List.of("alice=2"), show(totals.batch(4000, TestRecord.of("alice", "2"))));
    }

    @Test
    void keyedNumbersSplitsLinesIntoKeyAndAmount() {
        CollectingEmitter out = new CollectingEmitter();
        new KeyedNumbers().apply(TestBatch.ofValues("alice, 5", "bob,7"), out);
        assertEquals(Map.of("alice", "5", "bob", "7"), out.asStringMap());
    }

    private static List<String> show(StateHarness.Result result) {
        return result.output().stream().map(e -> e.keyAsString() + "=" + e.valueAsString()).toList();
    }
}
