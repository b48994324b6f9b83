package io.sluice.core.block;

/** Thrown when bytes read from the batch store are not a valid block; the task attempt fails. */
public final class BlockFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BlockFormatException(String message) {
        super(message);
    }
}
