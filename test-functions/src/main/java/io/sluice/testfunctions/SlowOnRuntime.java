package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

/**
 * Passes records through, but sleeps {@code sleep.ms} (default 500) per batch partition on the
 * runtime named by {@code slow.runtime}: a straggler on purpose, for load-balancing tests.
 */
public final class SlowOnRuntime implements BatchFunction {

    private long sleepMillis;

    @Override
    public void open(FunctionContext context) {
        boolean slowHere = context.runtimeId().equals(context.parameter("slow.runtime", ""));
        sleepMillis = slowHere ? Long.parseLong(context.parameter("sleep.ms", "500")) : 0L;
    }

    @Override
    public void apply(Batch batch, Emitter out) throws InterruptedException {
        if (sleepMillis > 0) {
            Thread.sleep(sleepMillis);
        }
        for (Record record : batch) {
            out.emit(record);
        }
    }
}
