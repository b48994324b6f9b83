package io.sluice.core.sql;

/** A record that does not fit its pipeline's schema; the message says which field and why. */
public final class MalformedRowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MalformedRowException(String message) {
        super(message);
    }
}
