package io.sluice.core.loading;

/**
 * A function jar or class cannot be used; the message says why in one line. Nothing was stored or run.
 */
public final class InvalidFunctionException extends Exception {

    private static final long serialVersionUID = 1L;

    public InvalidFunctionException(String message) {
        super(message);
    }

    public InvalidFunctionException(String message, Throwable cause) {
        super(message, cause);
    }
}
