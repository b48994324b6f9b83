package io.sluice.examples;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.Record;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts words per batch partition: for every word in the record values of one partition of one
 * batch, emits {@code (word, count)}.
 *
 * <p>Words are runs of letters and digits, lower-cased. Counts are per partition of a batch, not
 * running totals; adding the counts of every batch gives the counts of the whole stream.
 */
public final class WordCount implements BatchFunction {

    @Override
    public void apply(Batch batch, Emitter out) {
        Map<String, long[]> counts = new HashMap<>();
        StringBuilder word = new StringBuilder(32);
        for (Record record : batch) {
            String text = record.valueAsString();
            if (text == null) {
                continue;
            }
            for (int i = 0, n = text.length(); i <= n; i++) {
                char c = i < n ? text.charAt(i) : ' ';
                if (Character.isLetterOrDigit(c)) {
                    word.append(Character.toLowerCase(c));
                } else if (word.length() > 0) {
                    counts.computeIfAbsent(word.toString(), w -> new long[1])[0]++;
                    word.setLength(0);
                }
            }
        }
        counts.forEach((w, count) -> out.emit(w, Long.toString(count[0])));
    }
}
