package io.sluice.testfunctions;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passes records through after sleeping {@code delay.ms} (default 300) per task; on the runtime
 * named {@code slow.runtime}, its {@code straggle.task}-th task (default 6) sleeps {@code factor}
 * (default 20) times as long: one straggler, on a runtime that otherwise works and heartbeats.
 */
public final class StraggleOnce implements BatchFunction {

    private final AtomicInteger tasks = new AtomicInteger();
    private long delayMillis;
    private int straggler = -1;
    private long factor;

    @Override
    public void open(FunctionContext context) {
        delayMillis = Long.parseLong(context.parameter("delay.ms", "300"));
        factor = Long.parseLong(context.parameter("factor", "20"));
        if (context.runtimeId().equals(context.parameter("slow.runtime", ""))) {
            straggler = Integer.parseInt(context.parameter("straggle.task", "6"));
        }
    }

    @Override
    public void apply(Batch batch, Emitter out) throws InterruptedException {
        boolean straggle = tasks.incrementAndGet() == straggler;
        Thread.sleep(straggle ? delayMillis * factor : delayMillis);
        for (Record record : batch) {
            out.emit(record);
        }
    }
}
