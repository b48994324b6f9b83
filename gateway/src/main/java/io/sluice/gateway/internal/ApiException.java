package io.sluice.gateway.internal;

/** A request that cannot be served, with the HTTP status and the one line that says why. */
public final class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
