package io.sluice.core.registry;

/** The request contradicts what is registered (a duplicate name, a function still in use); nothing was changed. */
public final class ConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }
}
