package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import io.sluice.function.KeyState;
import io.sluice.function.StateFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One batch of a {@link StateFunction} stage's partition: each key with values gets its state and
 * the values, then, with a timeout, each idle key whose time is up gets one last call and loses its
 * state. A key whose call throws is dead-lettered for this batch and keeps its state.
 *
 * <p>A key's stored value is {@code [u8 1][i64 last updated batch time][bytes state]}.
 */
final class KeyedStateStep {

    private static final int FORMAT = 1;

    private KeyedStateStep() {
    }

    /**
     * @param state     the partition's state after the batch before; not changed
     * @param input     the batch's records for the partition, grouped by key
     * @param timeoutMs how long a key without values keeps its state, 0 for ever
     */
    static void run(StateFunction function, PartitionState state, Block input, long timeoutMs, StepOutput out)
            throws InterruptedException {
        long batchTime = out.task().batchTime();
        Set<StateKey> seen = new HashSet<>();
        for (int from = 0; from < input.size(); ) {
            byte[] key = input.get(from).key();
            int until = from;
            List<byte[]> values = new ArrayList<>();
            while (until < input.size() && Arrays.equals(key, input.get(until).key())) {
                values.add(input.get(until++).value());
            }
            StateKey k = new StateKey(key);
            seen.add(k);
            Stored before = Stored.decode(state.values().get(k));
            Handle handle = new Handle(before == null ? null : before.value, false, batchTime);
            StepOutput.Call call = out.call(batchTime);
            try {
                function.update(key, List.copyOf(values), handle, call);
            } catch (Exception | LinkageError | StackOverflowError e) {
                interrupted(e);
                out.deadLetter(input, from, until, e);
                from = until;
                continue;
            }
            call.keep();
            if (handle.value == null) {
                if (before != null) {
                    out.changes.remove(k);
                }
            } else if (handle.changed || (timeoutMs > 0 && before.updatedAt != batchTime)) {
                out.changes.put(k, new Stored(batchTime, handle.value).encode());
            }
            from = until;
        }
        if (timeoutMs <= 0) {
            return;
        }
        for (Map.Entry<StateKey, byte[]> e : state.values().entrySet()) {
            if (seen.contains(e.getKey())) {
                continue;
            }
            Stored stored = Stored.decode(e.getValue());
            if (stored.updatedAt > batchTime - timeoutMs) {
                continue;
            }
            StepOutput.Call call = out.call(batchTime);
            try {
                function.update(e.getKey().bytes(), List.of(), new Handle(stored.value, true, batchTime), call);
                call.keep();
            } catch (Exception | LinkageError | StackOverflowError error) {
                interrupted(error);
                out.deadLetterWindow(e.getKey().bytes(), batchTime, error); // nothing else is left of the key
            }
            out.changes.remove(e.getKey());
        }
    }

    private static void interrupted(Throwable e) throws InterruptedException {
        if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("interrupted in the state function");
        }
    }

    /** A key's stored state. */
    private record Stored(long updatedAt, byte[] value) {
        static Stored decode(byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            Decoder in = new Decoder(bytes);
            int format = in.u8();
            if (format != FORMAT) {
                throw new IllegalStateException("state format " + format + " is not a state function's");
            }
            Stored stored = new Stored(in.i64(), in.bytes());
            in.end();
            return stored;
        }

        byte[] encode() {
            return new Encoder().u8(FORMAT).i64(updatedAt).bytes(value).toByteArray();
        }
    }

    /** The {@link KeyState} of one call. */
    private static final class Handle implements KeyState {
        private byte[] value;
        private boolean changed;
        private final boolean timingOut;
        private final long batchTime;

        Handle(byte[] value, boolean timingOut, long batchTime) {
            this.value = value;
            this.timingOut = timingOut;
            this.batchTime = batchTime;
        }

        @Override
        public boolean exists() {
            return value != null;
        }

        @Override
        public byte[] get() {
            return value == null ? null : value.clone();
        }

        @Override
        public void set(byte[] newValue) {
            value = Objects.requireNonNull(newValue, "state value; use remove() to drop a key's state").clone();
            changed = true;
        }

        @Override
        public void remove() {
            value = null;
            changed = true;
        }

        @Override
        public boolean timingOut() {
            return timingOut;
        }

        @Override
        public long batchTime() {
            return batchTime;
        }
    }
}
