package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.Record;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Passes records through, but the first call on each instance throws after emitting everything:
 * a retry that would duplicate the output unless the failed attempt's output is discarded.
 */
public final class EmitThenFailOnce implements BatchFunction {

    private final AtomicBoolean failed = new AtomicBoolean();

    @Override
    public void apply(Batch batch, Emitter out) {
        for (Record record : batch) {
            out.emit(record);
        }
        if (failed.compareAndSet(false, true)) {
            throw new IllegalStateException("failing once after emitting " + batch.size() + " record(s)");
        }
    }
}
