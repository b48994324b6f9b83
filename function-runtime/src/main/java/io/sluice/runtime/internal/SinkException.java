package io.sluice.runtime.internal;

/** A sink could not write or commit: a platform failure, not the function's. */
final class SinkException extends RuntimeException {

    SinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
