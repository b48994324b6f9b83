package io.sluice.runtime.internal;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One partition's state of a stateful stage after one batch: the stored value of every key, and the
 * batch it is after (its watermark). Only one task uses an instance at a time; a task reads it,
 * computes its {@link Changes}, and applies them once its transaction has committed.
 */
final class PartitionState {

    /** The watermark of a partition that no batch has committed state for. */
    static final long NONE = -1;

    private final NavigableMap<StateKey, byte[]> values = new TreeMap<>();
    private long sequence = NONE;
    private long batchTime = NONE;

    /** @return the sequence of the batch this state is after, or {@link #NONE} */
    long sequence() {
        return sequence;
    }

    /** @return the time of the batch this state is after, or {@link #NONE} */
    long batchTime() {
        return batchTime;
    }

    /** @return the stored value of every key, in key order */
    NavigableMap<StateKey, byte[]> values() {
        return values;
    }

    int size() {
        return values.size();
    }

    /** Applies one changelog record, in log order. */
    void replay(byte[] changelogKey, byte[] value) {
        StateKey key = StateKey.fromChangelog(changelogKey);
        if (key == null) {
            if (value != null) {
                Decoder in = new Decoder(value);
                sequence = in.i64();
                batchTime = in.i64();
            }
        } else if (value == null) {
            values.remove(key);
        } else {
            values.put(key, value);
        }
    }

    /** Applies a committed batch's changes. */
    void apply(Changes changes) {
        changes.updates.forEach((key, value) -> {
            if (value == null) {
                values.remove(key);
            } else {
                values.put(key, value);
            }
        });
        sequence = changes.sequence;
        batchTime = changes.batchTime;
    }

    /** @return the watermark record's value for a batch */
    static byte[] watermark(long sequence, long batchTime) {
        return new Encoder().i64(sequence).i64(batchTime).toByteArray();
    }

    /** What one batch changes: new values, {@code null} for removed keys, and the new watermark. */
    static final class Changes {
        final long sequence;
        final long batchTime;
        final Map<StateKey, byte[]> updates = new TreeMap<>();

        Changes(long sequence, long batchTime) {
            this.sequence = sequence;
            this.batchTime = batchTime;
        }

        void put(StateKey key, byte[] value) {
            updates.put(key, value);
        }

        void remove(StateKey key) {
            updates.put(key, null);
        }
    }
}
