package io.sluice.core.encoding;

/** Thrown when stored or received bytes cannot be decoded; the message says what was wrong. */
public final class MalformedDataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MalformedDataException(String message) {
        super(message);
    }
}
