package io.sluice.examples;

import io.sluice.function.testing.CollectingEmitter;
import io.sluice.function.testing.TestBatch;
import io.sluice.function.testing.TestContext;
import io.sluice.function.testing.TestRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonEnrichTest {

    private static TestRecord json(String key, String value, long offset) {
        return new TestRecord(key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), 0L, "orders", 3, offset);
    }

    @Test
    void addsProvenanceAndConfiguredFieldsKeepingNestedValues() throws Exception {
        JsonEnrich enrich = new JsonEnrich();
        enrich.open(TestContext.withParameters(Map.of("field.region", "eu-west", "unrelated", "x")));
        CollectingEmitter out = new CollectingEmitter();
        enrich.apply(new TestBatch("p", 1_000L, 0, 1, List.of(
                json("o1", "{\"id\":1,\"items\":[{\"sku\":\"a\"}],\"note\":null}", 7))), out);
        assertEquals(1, out.records().size());
        assertEquals("o1", out.records().get(0).keyAsString());
        assertEquals("{\"id\":1,\"items\":[{\"sku\":\"a\"}],\"note\":null,"
                        + "\"_source\":\"orders/3/7\",\"_batchTime\":1000,\"region\":\"eu-west\"}",
                out.records().get(0).valueAsString());
    }

    @Test
    void marksValuesThatAreNotJsonObjectsInsteadOfDroppingThem() throws Exception {
        JsonEnrich enrich = new JsonEnrich();
        enrich.open(TestContext.withParameters(Map.of()));
        CollectingEmitter out = new CollectingEmitter();
        enrich.apply(new TestBatch("p", 5L, 0, 1, List.of(
                json("a", "[1,2]", 1), json("b", "{\"broken\":", 2), json("c", null, 3), json("d", "{} {}", 4))), out);
        assertEquals(List.of(
                "{\"_invalid\":\"[1,2]\",\"_source\":\"orders/3/1\",\"_batchTime\":5}",
                "{\"_invalid\":\"{\\\"broken\\\":\",\"_source\":\"orders/3/2\",\"_batchTime\":5}",
                "{\"_invalid\":null,\"_source\":\"orders/3/3\",\"_batchTime\":5}",
                "{\"_invalid\":\"{} {}\",\"_source\":\"orders/3/4\",\"_batchTime\":5}"),
                out.records().stream().map(CollectingEmitter.Emitted::valueAsString).toList());
    }
}
