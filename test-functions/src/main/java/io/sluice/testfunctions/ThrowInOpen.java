package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;

/** Fails in {@code open}, as a function with a bad configuration does. */
public final class ThrowInOpen implements BatchFunction {

    @Override
    public void open(FunctionContext context) {
        throw new IllegalArgumentException("ThrowInOpen refuses to open");
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        throw new AssertionError("apply must not be called after open failed");
    }
}
