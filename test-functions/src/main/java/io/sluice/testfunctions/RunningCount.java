package io.sluice.testfunctions;

import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.KeyState;
import io.sluice.function.StateFunction;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Counts the records of each key across batches and emits the running count of every key that got
 * records, pausing {@code state.delay.ms} (default 0) per key so that a killed runtime can catch a
 * task half done. On time-out it emits {@code "<count>:timed-out"}.
 */
public final class RunningCount implements StateFunction {

    private long delayMillis;

    @Override
    public void open(FunctionContext context) {
        delayMillis = Long.parseLong(context.parameter("state.delay.ms", "0"));
    }

    @Override
    public void update(byte[] key, List<byte[]> values, KeyState state, Emitter out) throws InterruptedException {
        long count = state.exists() ? Long.parseLong(state.getAsString()) : 0;
        if (state.timingOut()) {
            out.emit(key, (count + ":timed-out").getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        count += values.size();
        state.set(Long.toString(count));
        out.emit(key, Long.toString(count).getBytes(StandardCharsets.UTF_8));
    }
}
