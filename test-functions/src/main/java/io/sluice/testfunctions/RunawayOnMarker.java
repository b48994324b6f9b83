package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

/**
 * Passes records through, but on a record whose value contains {@code marker} (default
 * {@code RUNAWAY}) it stalls for {@code stall.ms} (default 2500) and ignores every interrupt
 * meanwhile: a runaway function, for task timeouts that cannot stop the slot thread.
 */
public final class RunawayOnMarker implements BatchFunction {

    private String marker;
    private long stallMillis;

    @Override
    public void open(FunctionContext context) {
        marker = context.parameter("marker", "RUNAWAY");
        stallMillis = Long.parseLong(context.parameter("stall.ms", "2500"));
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        for (Record record : batch) {
            String value = record.valueAsString();
            if (value != null && value.contains(marker)) {
                stallIgnoringInterrupts();
            }
            out.emit(record);
        }
    }

    private void stallIgnoringInterrupts() {
        long end = System.nanoTime() + stallMillis * 1_000_000;
        for (long left = stallMillis; left > 0; left = (end - System.nanoTime()) / 1_000_000) {
            try {
                Thread.sleep(left);
            } catch (InterruptedException ignored) {
                // the point of this function: it does not stop when told to
            }
        }
    }
}
