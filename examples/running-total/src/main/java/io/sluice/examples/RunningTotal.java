package io.sluice.examples;

import io.sluice.function.Emitter;
import io.sluice.function.KeyState;
import io.sluice.function.StateFunction;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A running total per key: the state is the total so far, as a decimal string, and every batch
 * emits {@code (key, total)} for each key that got amounts. Amounts are decimal integers; a key
 * with one that is not has that batch's amounts dead-lettered, and keeps its total. A key that
 * times out emits nothing and is forgotten.
 */
public final class RunningTotal implements StateFunction {

    @Override
    public void update(byte[] key, List<byte[]> values, KeyState state, Emitter out) {
        if (state.timingOut()) {
            return;
        }
        long total = state.exists() ? Long.parseLong(state.getAsString()) : 0;
        for (byte[] value : values) {
            String text = value == null ? "" : new String(value, StandardCharsets.UTF_8).trim();
            try {
                total = Math.addExact(total, Long.parseLong(text));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("amount '" + text + "' is not a whole number");
            }
        }
        state.set(Long.toString(total));
        out.emit(key, Long.toString(total).getBytes(StandardCharsets.UTF_8));
    }
}
