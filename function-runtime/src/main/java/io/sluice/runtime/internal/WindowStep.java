package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.block.BlockBatch;
import io.sluice.core.block.BlockWriter;
import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import io.sluice.core.task.TaskId;
import io.sluice.function.BatchFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One batch of a windowed stage's partition. The window is kept as state: every key holds, per batch
 * still inside some future window, what that batch contributed (a reduction's partial result, or a
 * function stage's records), and, for an incremental window, the running result. At each window end
 * {@code w} (a multiple of the slide) the stage emits over the batches in {@code (w - length, w]},
 * with timestamp {@code w}. A window end for which no batch ran (the scheduler was down) is emitted
 * by the next batch, before it adds its own input.
 *
 * <p>This is the union of the covered batches' blocks, as Spark computes {@code window()}, kept per
 * key in the changelog rather than as retained blocks, so it is exactly as durable as any state.
 *
 * <p>A key's stored value is {@code [u8 2][u8 has running][bytes running][i32 n][n x (i64 batch
 * time, u8 has value, bytes value)]}.
 */
final class WindowStep {

    private static final int FORMAT = 2;

    /** The window's shape, in milliseconds. */
    record Shape(long length, long slide, long interval, boolean incremental) {
        /** @return the window ends to emit at batch {@code t}, oldest first, after batch {@code previous} */
        List<Long> endsAt(long t, long previous) {
            List<Long> ends = new ArrayList<>();
            if (previous != PartitionState.NONE) {
                // Window ends after previous + length hold nothing older than this batch.
                long first = Math.floorDiv(previous, slide) * slide + slide;
                for (long w = first; w < t && w < previous + length; w += slide) {
                    ends.add(w);
                }
            }
            if (Math.floorMod(t, slide) == 0) {
                ends.add(t);
            }
            return ends;
        }

        /** @return whether an entry of batch time {@code time} is still needed after batch {@code t} */
        boolean keeps(long time, long t) {
            long nextEnd = Math.floorDiv(t, slide) * slide + slide;
            return time > nextEnd - length;
        }
    }

    private WindowStep() {
    }

    /** A windowed reduction: one record per key and window end, the reduction over the key's batches in the window. */
    static void reduce(Reduction reduction, Shape shape, PartitionState state, Block input, StepOutput out) {
        long t = out.task().batchTime();
        List<Long> ends = shape.endsAt(t, state.batchTime());
        Map<StateKey, byte[]> partials = partials(reduction, input, out);
        TreeSet<StateKey> keys = new TreeSet<>(state.values().keySet());
        keys.addAll(partials.keySet());
        for (StateKey key : keys) {
            Stored before = Stored.decode(state.values().get(key));
            Stored now = before == null ? new Stored(null, new ArrayList<>()) : before.copy();
            byte[] partial = partials.get(key);
            boolean merged = false;
            for (long w : ends) {
                if (w == t && partial != null) {
                    now = merge(reduction, shape, key, now, partial, t);
                    merged = true;
                }
                now = evict(reduction, shape, key, now, w - shape.length());
                if (!now.entries.isEmpty()) {
                    emit(reduction, shape, key, now, out, w);
                }
            }
            if (!merged && partial != null) {
                now = merge(reduction, shape, key, now, partial, t);
            }
            long keepAfter = Math.floorDiv(t, shape.slide()) * shape.slide() + shape.slide() - shape.length();
            now = evict(reduction, shape, key, now, keepAfter);
            record(key, before, now, out);
        }
    }

    /** A windowed function stage: one call per window end, over every key's records of the covered batches. */
    static void apply(BatchFunction function, Shape shape, PartitionState state, Block input, StepOutput out,
                      int partitionCount) throws InterruptedException {
        long t = out.task().batchTime();
        List<Long> ends = shape.endsAt(t, state.batchTime());
        TreeMap<StateKey, Stored> windows = new TreeMap<>();
        state.values().forEach((k, v) -> windows.put(k, Stored.decode(v)));
        for (int i = 0; i < input.size(); i++) {
            StateKey key = new StateKey(input.get(i).key());
            windows.computeIfAbsent(key, k -> new Stored(null, new ArrayList<>()));
            windows.put(key, windows.get(key).with(t, input.get(i).value()));
        }
        for (long w : ends) {
            BlockWriter writer = new BlockWriter();
            long index = 0;
            for (Map.Entry<StateKey, Stored> e : windows.entrySet()) {
                for (Entry entry : e.getValue().entries) {
                    if (entry.time > w - shape.length() && entry.time <= w) {
                        writer.append(Shuffle.TOPIC, out.task().partition(), index++, entry.time, e.getKey().bytes(),
                                entry.value);
                    }
                }
            }
            if (index == 0) {
                continue;
            }
            TaskId task = out.task();
            Block window = Block.decode(writer.seal());
            StepOutput.Call call = out.call(w);
            try {
                function.apply(new BlockBatch(new TaskId(task.pipeline(), w, task.stage(), task.partition()),
                        partitionCount, window), call);
                call.keep();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception | LinkageError | StackOverflowError e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("interrupted in the window function");
                }
                out.deadLetterWindow(null, w, e);
            }
        }
        for (Map.Entry<StateKey, Stored> e : windows.entrySet()) {
            Stored before = Stored.decode(state.values().get(e.getKey()));
            Stored now = e.getValue();
            List<Entry> kept = new ArrayList<>();
            now.entries.stream().filter(entry -> shape.keeps(entry.time, t)).forEach(kept::add);
            record(e.getKey(), before, new Stored(null, kept), out);
        }
    }

    /** @return this batch's partial result per key; a key whose values the reduction rejects is dead-lettered */
    private static Map<StateKey, byte[]> partials(Reduction reduction, Block input, StepOutput out) {
        Map<StateKey, byte[]> partials = new TreeMap<>();
        for (int from = 0; from < input.size(); ) {
            byte[] key = input.get(from).key();
            int until = from;
            byte[] acc = null;
            Exception failure = null;
            while (until < input.size() && Arrays.equals(key, input.get(until).key())) {
                byte[] value = input.get(until++).value();
                if (failure == null) {
                    try {
                        acc = acc == null ? reduction.checkWritten(key, value) : reduction.mergeWritten(key, acc, value);
                    } catch (Exception e) {
                        failure = e;
                    }
                }
            }
            if (failure != null) {
                out.deadLetter(input, from, until, failure);
            } else {
                partials.put(new StateKey(key), acc);
            }
            from = until;
        }
        return partials;
    }

    private static Stored merge(Reduction reduction, Shape shape, StateKey key, Stored now, byte[] partial, long time) {
        List<Entry> entries = new ArrayList<>(now.entries);
        entries.add(new Entry(time, partial));
        byte[] running = null;
        if (shape.incremental()) {
            try {
                running = now.running == null ? fold(reduction, key, now.entries) : now.running;
                running = running == null ? partial : reduction.mergeWritten(key.bytes(), running, partial);
            } catch (Exception e) {
                running = null; // recomputed from the entries when next needed
            }
        }
        return new Stored(running, entries);
    }

    /** Drops the entries of batches at or before {@code upTo}, taking them out of the running result. */
    private static Stored evict(Reduction reduction, Shape shape, StateKey key, Stored now, long upTo) {
        List<Entry> kept = new ArrayList<>();
        byte[] running = now.running;
        for (Entry e : now.entries) {
            if (e.time > upTo) {
                kept.add(e);
            } else if (shape.incremental() && running != null) {
                try {
                    running = reduction.inverse(key.bytes(), running, e.value);
                } catch (Exception error) {
                    running = null;
                }
            }
        }
        if (kept.size() == now.entries.size()) {
            return now;
        }
        return new Stored(kept.isEmpty() ? null : running, kept);
    }

    private static void emit(Reduction reduction, Shape shape, StateKey key, Stored now, StepOutput out, long w) {
        try {
            byte[] value = shape.incremental() && now.running != null ? now.running : fold(reduction, key, now.entries);
            StepOutput.Call call = out.call(w);
            call.emit(key.bytes(), value);
            call.keep();
        } catch (Exception e) {
            out.deadLetterWindow(key.bytes(), w, e);
        }
    }

    private static byte[] fold(Reduction reduction, StateKey key, List<Entry> entries) throws Exception {
        byte[] acc = null;
        for (Entry e : entries) {
            acc = acc == null ? e.value : reduction.mergeWritten(key.bytes(), acc, e.value);
        }
        return acc;
    }

    private static void record(StateKey key, Stored before, Stored now, StepOutput out) {
        if (now.entries.isEmpty()) {
            if (before != null) {
                out.changes.remove(key);
            }
        } else if (before == null || !before.sameAs(now)) {
            out.changes.put(key, now.encode());
        }
    }

    /** What one batch contributed to a key. */
    private record Entry(long time, byte[] value) {
    }

    /** A key's window state. */
    private record Stored(byte[] running, List<Entry> entries) {
        static Stored decode(byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            Decoder in = new Decoder(bytes);
            int format = in.u8();
            if (format != FORMAT) {
                throw new IllegalStateException("state format " + format + " is not a window's");
            }
            byte[] running = in.u8() == 1 ? in.bytes() : null;
            int n = in.i32();
            List<Entry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long time = in.i64();
                entries.add(new Entry(time, in.u8() == 1 ? in.bytes() : null));
            }
            in.end();
            return new Stored(running, entries);
        }

        Stored copy() {
            return new Stored(running, new ArrayList<>(entries));
        }

        Stored with(long time, byte[] value) {
            List<Entry> more = new ArrayList<>(entries);
            more.add(new Entry(time, value));
            return new Stored(running, more);
        }

        boolean sameAs(Stored other) {
            if (!Arrays.equals(running, other.running) || entries.size() != other.entries.size()) {
                return false;
            }
            for (int i = 0; i < entries.size(); i++) {
                Entry a = entries.get(i);
                Entry b = other.entries.get(i);
                if (a.time != b.time || !Arrays.equals(a.value, b.value)) {
                    return false;
                }
            }
            return true;
        }

        byte[] encode() {
            Encoder out = new Encoder().u8(FORMAT).u8(running == null ? 0 : 1);
            if (running != null) {
                out.bytes(running);
            }
            out.i32(entries.size());
            for (Entry e : entries) {
                out.i64(e.time).u8(e.value == null ? 0 : 1);
                if (e.value != null) {
                    out.bytes(e.value);
                }
            }
            return out.toByteArray();
        }
    }
}
