package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;

/** A function the runtime cannot instantiate: registration must refuse it. */
public final class NoNoArgConstructor implements BatchFunction {

    private final String name;

    public NoNoArgConstructor(String name) {
        this.name = name;
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        out.emit(name, name);
    }
}
