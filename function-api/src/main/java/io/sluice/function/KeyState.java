package io.sluice.function;

import java.nio.charset.StandardCharsets;

/**
 * The state of one key, as a {@link StateFunction} sees it during one call.
 */
public interface KeyState {

    /** @return whether the key has state */
    boolean exists();

    /** @return the key's state, or {@code null} if it has none */
    byte[] get();

    /** @return the key's state decoded as UTF-8, or {@code null} if it has none */
    default String getAsString() {
        byte[] value = get();
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /**
     * Replaces the key's state.
     *
     * @param value the new state, not {@code null} (use {@link #remove()} to drop it)
     */
    void set(byte[] value);

    /**
     * Replaces the key's state with a UTF-8 encoded string.
     *
     * @param value the new state, not {@code null}
     */
    default void set(String value) {
        set(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Drops the key's state. */
    void remove();

    /**
     * @return whether the key is timing out: it got no values for longer than the stage's timeout,
     *     this call has none either, and its state is dropped after the call whatever it does
     */
    boolean timingOut();

    /** @return the time of the batch being processed, epoch milliseconds */
    long batchTime();
}
