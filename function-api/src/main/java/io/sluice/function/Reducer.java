package io.sluice.function;

/**
 * Combines two values of one key into one: the user reduction of a {@code reduce} stage, like the
 * function given to Spark's {@code reduceByKey}.
 *
 * <p>Sluice calls it on the map side, over each task's output before the shuffle, and again after
 * the shuffle, over the partial results of every map task, in no fixed order. It must therefore be
 * associative and commutative, and it must not keep state between calls that changes the result.
 * The stage emits one record per key: the key and the value reduced from all of the batch's values
 * for it. A reducer may be called concurrently from several threads, so an instance must be
 * thread-safe.
 *
 * <pre>{@code
 * public final class Longest implements Reducer {
 *     public byte[] reduce(byte[] key, byte[] left, byte[] right) {
 *         return left.length >= right.length ? left : right;
 *     }
 * }
 * }</pre>
 *
 * <p>Implementations need a public no-argument constructor. They live in the pipeline's function
 * jar and are named by class in the stage's {@code reduce}.
 */
@FunctionalInterface
public interface Reducer {

    /**
     * @param key   the key both values belong to, or {@code null} for records without a key
     * @param left  one value, or {@code null}
     * @param right another value, or {@code null}
     * @return the combined value, or {@code null}
     * @throws Exception to fail the attempt; it is retried, and after the last attempt the records
     *     it fails on are bisected out and dead-lettered
     */
    byte[] reduce(byte[] key, byte[] left, byte[] right) throws Exception;
}
