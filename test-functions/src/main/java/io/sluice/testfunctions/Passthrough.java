package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.Record;

/** Emits every input record unchanged: the output is exactly the input, for accounting tests. */
public final class Passthrough implements BatchFunction {

    @Override
    public void apply(Batch batch, Emitter out) {
        for (Record record : batch) {
            out.emit(record);
        }
    }
}
