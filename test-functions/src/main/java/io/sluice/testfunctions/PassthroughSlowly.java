package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

/**
 * Passes records through, pausing {@code delay.ms} (default 200) halfway: every task spends time
 * with half its output written, which is where a killed runtime hurts most.
 */
public final class PassthroughSlowly implements BatchFunction {

    private long delayMillis;

    @Override
    public void open(FunctionContext context) {
        delayMillis = Long.parseLong(context.parameter("delay.ms", "200"));
    }

    @Override
    public void apply(Batch batch, Emitter out) throws InterruptedException {
        int half = batch.size() / 2;
        int i = 0;
        for (Record record : batch) {
            if (i++ == half) {
                Thread.sleep(delayMillis);
            }
            out.emit(record);
        }
    }
}
