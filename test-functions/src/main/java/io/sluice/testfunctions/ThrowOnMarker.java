package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

/**
 * Passes records through, but throws on any record whose value contains {@code marker}
 * (default {@code POISON}): a poison record, for retry and dead-letter tests.
 */
public final class ThrowOnMarker implements BatchFunction {

    private String marker;

    @Override
    public void open(FunctionContext context) {
        marker = context.parameter("marker", "POISON");
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        for (Record record : batch) {
            String value = record.valueAsString();
            if (value != null && value.contains(marker)) {
                throw new IllegalStateException("poison record at " + record.topic() + "/"
                        + record.sourcePartition() + "/" + record.offset());
            }
            out.emit(record);
        }
    }
}
