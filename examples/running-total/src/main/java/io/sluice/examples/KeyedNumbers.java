package io.sluice.examples;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.Record;

/**
 * The first stage of the running total: reads lines {@code key,amount} (or records that already
 * carry a key, with the amount as their value) and emits {@code (key, amount)}, so the stateful
 * stage after it gets each key's amounts in one partition. A line without a comma and without a
 * record key is passed on under no key.
 */
public final class KeyedNumbers implements BatchFunction {

    @Override
    public void apply(Batch batch, Emitter out) {
        for (Record record : batch) {
            String value = record.valueAsString();
            if (record.key() != null || value == null || value.indexOf(',') < 0) {
                out.emit(record);
                continue;
            }
            int comma = value.indexOf(',');
            out.emit(value.substring(0, comma).trim(), value.substring(comma + 1).trim());
        }
    }
}
