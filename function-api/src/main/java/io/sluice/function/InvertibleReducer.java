package io.sluice.function;

/**
 * A {@link Reducer} that can also take a value back out, like the inverse function given to Spark's
 * {@code reduceByKeyAndWindow}. A window stage marked {@code incremental} uses it: each window's
 * result is the previous window's, with the batches that entered reduced in and those that left
 * taken out, so a long window costs what its slide costs rather than what its length does.
 *
 * <p>For every {@code a} and {@code b}, {@code inverse(key, reduce(key, a, b), b)} must equal
 * {@code a}. Integer sums and counts have an inverse; minimum and maximum do not.
 */
public interface InvertibleReducer extends Reducer {

    /**
     * @param key     the key both values belong to, or {@code null}
     * @param total   a reduced value that includes {@code removed}
     * @param removed a value to take out of it
     * @return {@code total} without {@code removed}
     * @throws Exception to fail the window's output for the key, which is dead-lettered
     */
    byte[] inverse(byte[] key, byte[] total, byte[] removed) throws Exception;
}
