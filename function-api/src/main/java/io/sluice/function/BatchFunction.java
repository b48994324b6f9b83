package io.sluice.function;

/**
 * A stateless function over one partition of one micro-batch.
 *
 * <p>Sluice cuts each input stream into micro-batches at a fixed interval and splits every batch
 * into partitions. For each partition it calls {@link #apply} once, on whichever runtime has a free
 * slot. A call may be repeated: a lost, failed or slow attempt is re-run, possibly on another
 * runtime, possibly while the first attempt is still running. Functions must therefore produce
 * their output only through the {@link Emitter} and keep no state between calls that changes the
 * result.
 *
 * <p>Implementations need a public no-argument constructor. One instance is created per runtime,
 * pipeline and function version; {@link #open} is called once before the first batch and {@link #close}
 * when the runtime unloads the function. {@code apply} may be called concurrently from several
 * threads of one runtime, so an instance must be thread-safe (stateless functions are).
 *
 * <pre>{@code
 * public final class Grep implements BatchFunction {
 *     public void apply(Batch batch, Emitter out) {
 *         for (Record r : batch) {
 *             if (r.valueAsString().contains("ERROR")) out.emit(r);
 *         }
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface BatchFunction {

    /**
     * Processes one partition of one micro-batch.
     *
     * @param batch the records of this partition, in the order Sluice read them per source partition
     * @param out where output records go; see {@link Emitter} for when they reach the sink
     * @throws Exception to fail this attempt; Sluice retries it, and after the last attempt the
     *     partition is handled as the pipeline's failure policy says
     */
    void apply(Batch batch, Emitter out) throws Exception;

    /**
     * Called once before the first {@link #apply} on a runtime.
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
