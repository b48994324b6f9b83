package io.sluice.core.registry;

/** A function or pipeline that was named does not exist; nothing was changed. */
public final class UnknownEntryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnknownEntryException(String message) {
        super(message);
    }
}
