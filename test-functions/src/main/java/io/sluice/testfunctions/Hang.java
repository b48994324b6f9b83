package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;

/** Never returns unless interrupted: for task timeouts and cancellation. */
public final class Hang implements BatchFunction {

    @Override
    public void apply(Batch batch, Emitter out) throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
    }
}
