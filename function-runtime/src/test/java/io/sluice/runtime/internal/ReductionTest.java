package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.block.BlockBatch;
import io.sluice.core.task.TaskId;
import io.sluice.function.testing.CollectingEmitter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReductionTest {

    private static Map.Entry<byte[], byte[]> rec(String key, String value) {
        return new SimpleImmutableEntry<>(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> asText(List<Map.Entry<byte[], byte[]>> records) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<byte[], byte[]> r : records) {
            out.put(r.getKey() == null ? null : new String(r.getKey(), StandardCharsets.UTF_8),
                    new String(r.getValue(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void builtInsCombineOnTheMapSideInTheOrderKeysFirstAppear() throws Exception {
        List<Map.Entry<byte[], byte[]>> in = List.of(rec("b", "5"), rec("a", " 2 "), rec("b", "-7"), rec(null, "4"),
                rec("a", "10"));
        assertEquals(java.util.Arrays.asList("b", "a", null),
                new ArrayList<>(asText(Reduction.builtIn("sum").combine(in, true)).keySet()));
        Map<String, String> sum = asText(Reduction.builtIn("sum").combine(in, true));
        assertEquals("-2", sum.get("b"));
        assertEquals("12", sum.get("a"));
        assertEquals("4", sum.get(null));
        assertEquals("2", asText(Reduction.builtIn("count").combine(in, true)).get("b"));
        assertEquals("-7", asText(Reduction.builtIn("min").combine(in, true)).get("b"));
        assertEquals("10", asText(Reduction.builtIn("max").combine(in, true)).get("a"));
    }

    @Test
    void countCountsRecordsOfAnyValueThenSumsItsPartialCounts() throws Exception {
        List<Map.Entry<byte[], byte[]>> in = List.of(rec("w", "not a number"), rec("w", null), rec("w", ""));
        List<Map.Entry<byte[], byte[]>> partial = Reduction.builtIn("count").combine(in, true);
        assertEquals("3", asText(partial).get("w"));
        // after the shuffle, partial counts are added, not counted
        assertEquals("5", asText(Reduction.builtIn("count").combine(List.of(rec("w", "3"), rec("w", "2")), false)).get("w"));
    }

    @Test
    void aValueThatIsNotAnIntegerFailsWithTheKeyAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Reduction.builtIn("sum").combine(List.of(rec("k", "12x")), true));
        assertTrue(e.getMessage().contains("'k'") && e.getMessage().contains("'12x'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Reduction.builtIn("max").combine(List.of(rec("k", null)), true));
        ArithmeticException overflow = assertThrows(ArithmeticException.class, () -> Reduction.builtIn("sum")
                .combine(List.of(rec("k", Long.toString(Long.MAX_VALUE)), rec("k", "1")), true));
        assertTrue(overflow.getMessage().contains("overflows"), overflow.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Reduction.builtIn("avg"));
    }

    @Test
    void theReduceSideEmitsOneRecordPerKeyOfAGroupedPartition() throws Exception {
        byte[] a = Shuffle.write(List.of(rec("x", "1"), rec("y", "2"), rec("x", "3")), 1, 1000);
        byte[] b = Shuffle.write(List.of(rec("y", "4"), rec(null, "6")), 1, 1000);
        Block grouped = Shuffle.read(List.of(a, b), 0, 1000);
        CollectingEmitter out = new CollectingEmitter();
        Reduction.builtIn("sum").grouped().apply(new BlockBatch(new TaskId("p", 1000, 1, 0), 1, grouped), out);
        assertEquals(List.of("6", "4", "6"), out.records().stream().map(CollectingEmitter.Emitted::valueAsString).toList(),
                "no key first, then x, then y");
        assertEquals(3, out.records().size());
    }

    @Test
    void aUserReducerCombinesBytes() throws Exception {
        Reduction longest = Reduction.of("Longest", (key, l, r) -> l.length >= r.length ? l : r);
        List<Map.Entry<byte[], byte[]>> out = longest.combine(List.of(rec("k", "ab"), rec("k", "abcd"), rec("k", "c")), true);
        assertEquals(1, out.size());
        assertArrayEquals("abcd".getBytes(StandardCharsets.UTF_8), out.get(0).getValue());
    }
}
