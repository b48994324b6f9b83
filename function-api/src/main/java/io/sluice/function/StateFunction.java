package io.sluice.function;

import java.util.List;

/**
 * A stateful stage: for each key of its partition, the key's state from the batches before, with
 * this batch's values, in, and the key's new state and any output records out. Sluice's
 * {@code updateStateByKey} and {@code mapWithState}.
 *
 * <p>A stateful stage runs after a shuffle, so all values of a key reach the same partition, and its
 * tasks of one partition run one batch at a time, in batch order. Sluice keeps the state: it is
 * durable in a compacted Kafka changelog topic, written in the same transaction as the stage's
 * output, so after a runtime or scheduler failure every key's state is exactly that of the last
 * committed batch. A call may be repeated on a retry, from the same state and values, so the
 * function must produce its output and new state only through its arguments.
 *
 * <pre>{@code
 * public final class RunningTotal implements StateFunction {
 *     public void update(byte[] key, List<byte[]> values, KeyState state, Emitter out) {
 *         long total = state.exists() ? Long.parseLong(state.getAsString()) : 0;
 *         for (byte[] v : values) total += Long.parseLong(new String(v, UTF_8));
 *         state.set(Long.toString(total));
 *         out.emit(key, Long.toString(total).getBytes(UTF_8));
 *     }
 * }
 * }</pre>
 *
 * <p>Keys that get no values for longer than the stage's {@code timeout} are called once more with
 * no values and {@link KeyState#timingOut()} true, and then lose their state. If {@code update}
 * throws, the key's values of that batch go to the pipeline's dead-letter topic with the error,
 * the key keeps its previous state, and the other keys go on: one bad key never stalls the stage.
 *
 * <p>Implementations need a public no-argument constructor, live in the pipeline's function jar,
 * and may be called from several threads for different partitions, so an instance must be
 * thread-safe.
 */
@FunctionalInterface
public interface StateFunction {

    /**
     * Updates one key.
     *
     * @param key    the key, or {@code null} for records without one
     * @param values this batch's values for the key, in the order the stage received them; empty
     *               when the key is timing out
     * @param state  the key's state; changes made through it are kept only if the call returns normally
     * @param out    where output records go; they are written with the new state, in one transaction
     * @throws Exception to dead-letter the key's values of this batch and keep its previous state
     */
    void update(byte[] key, List<byte[]> values, KeyState state, Emitter out) throws Exception;

    /**
     * Called once before the first {@link #update} on a runtime.
     *
     * @param context the pipeline, function and parameters this instance serves
     * @throws Exception if the function cannot start; every task that needs it fails
     */
    default void open(FunctionContext context) throws Exception {
    }

    /**
     * Called once when the runtime unloads this function.
     *
     * @throws Exception ignored after it is logged
     */
    default void close() throws Exception {
    }
}
