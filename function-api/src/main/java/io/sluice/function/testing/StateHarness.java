package io.sluice.function.testing;

import io.sluice.function.KeyState;
import io.sluice.function.Record;
import io.sluice.function.StateFunction;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Runs a {@link StateFunction} over batches of one partition in memory, as a stateful stage does,
 * for unit tests: keys with records are updated in key order (no key first, then unsigned bytes);
 * a key whose call throws is dead-lettered for that batch and keeps its state; with a timeout,
 * idle keys whose time is up get one last call with no values, and lose their state.
 *
 * <pre>{@code
 * StateHarness totals = new StateHarness(new RunningTotal());
 * totals.batch(1000, TestRecord.of("alice", "5"), TestRecord.of("alice", "7"));
 * assertEquals("12", totals.stateAsString("alice"));
 * }</pre>
 */
public final class StateHarness {

    /** What one batch produced: the output records in order, and the dead-lettered input records with their reasons. */
    public record Result(List<CollectingEmitter.Emitted> output, List<DeadLetter> deadLetters) {
    }

    /** An input record the function failed on, and why. */
    public record DeadLetter(Record record, String reason) {
    }

    private final StateFunction function;
    private final long timeoutMs;
    private final TreeMap<Key, byte[]> state = new TreeMap<>();
    private final Map<Key, Long> updatedAt = new TreeMap<>();

    /** A harness whose keys never time out. */
    public StateHarness(StateFunction function) {
        this(function, Duration.ZERO);
    }

    /** @param timeout how long a key without records keeps its state; zero for ever */
    public StateHarness(StateFunction function, Duration timeout) {
        this.function = Objects.requireNonNull(function, "function");
        this.timeoutMs = timeout.toMillis();
    }

    /** Runs one batch of records (grouped by key here, as the shuffle does) at {@code batchTime}. */
    public Result batch(long batchTime, Record... records) throws InterruptedException {
        return batch(batchTime, List.of(records));
    }

    /** Runs one batch of records (grouped by key here, as the shuffle does) at {@code batchTime}. */
    public Result batch(long batchTime, List<? extends Record> records) throws InterruptedException {
        TreeMap<Key, List<Record>> groups = new TreeMap<>();
        records.forEach(r -> groups.computeIfAbsent(new Key(r.key()), k -> new ArrayList<>()).add(r));
        List<CollectingEmitter.Emitted> output = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        for (Map.Entry<Key, List<Record>> group : groups.entrySet()) {
            Key key = group.getKey();
            List<byte[]> values = group.getValue().stream().map(Record::value).toList();
            Handle handle = new Handle(state.get(key), false, batchTime);
            CollectingEmitter out = new CollectingEmitter();
            try {
                function.update(key.bytes, values, handle, out);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                group.getValue().forEach(r -> deadLetters.add(new DeadLetter(r, e.toString())));
                continue;
            }
            output.addAll(out.records());
            if (handle.value == null) {
                state.remove(key);
                updatedAt.remove(key);
            } else {
                state.put(key, handle.value);
                updatedAt.put(key, batchTime);
            }
        }
        if (timeoutMs > 0) {
            for (Key key : List.copyOf(state.keySet())) {
                if (groups.containsKey(key) || updatedAt.get(key) > batchTime - timeoutMs) {
                    continue;
                }
                CollectingEmitter out = new CollectingEmitter();
                try {
                    function.update(key.bytes, List.of(), new Handle(state.get(key), true, batchTime), out);
                    output.addAll(out.records());
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    // the key times out all the same; nothing of it is left to dead-letter
                }
                state.remove(key);
                updatedAt.remove(key);
            }
        }
        return new Result(List.copyOf(output), List.copyOf(deadLetters));
    }

    /** @return a key's state, or {@code null} */
    public byte[] state(byte[] key) {
        byte[] value = state.get(new Key(key));
        return value == null ? null : value.clone();
    }

    /** @return a UTF-8 key's state decoded as UTF-8, or {@code null} */
    public String stateAsString(String key) {
        byte[] value = state(key == null ? null : key.getBytes(StandardCharsets.UTF_8));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** @return how many keys have state */
    public int size() {
        return state.size();
    }

    private static final class Key implements Comparable<Key> {
        final byte[] bytes;

        Key(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int compareTo(Key o) {
            if (bytes == null || o.bytes == null) {
                return bytes == o.bytes ? 0 : bytes == null ? -1 : 1;
            }
            return Arrays.compareUnsigned(bytes, o.bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private static final class Handle implements KeyState {
        private byte[] value;
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
        }

        @Override
        public void remove() {
            value = null;
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
