package io.sluice.examples;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The top {@code k} words of a sliding window (parameter {@code k}, default 3). It is the last
 * stage, windowed, with one partition, after {@link WordCount} and a {@code sum}: it sees
 * {@code (word, count in one batch)} for every batch the window covers, grouped by word, adds them
 * up, and emits the {@code k} largest as {@code (word, total)}, largest first, ties by word.
 */
public final class TopK implements BatchFunction {

    private int k = 3;

    @Override
    public void open(FunctionContext context) {
        k = Integer.parseInt(context.parameter("k", "3"));
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, was " + k);
        }
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        Map<String, Long> totals = new LinkedHashMap<>();
        for (Record r : batch) {
            totals.merge(r.keyAsString(), Long.parseLong(r.valueAsString().trim()), Long::sum);
        }
        List<Map.Entry<String, Long>> ranked = new ArrayList<>(totals.entrySet());
        ranked.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
        ranked.stream().limit(k).forEach(e -> out.emit(e.getKey(), Long.toString(e.getValue())));
    }
}
