package io.sluice.core.registry;

/**
 * A function jar is not the one that was registered: its bytes hash to another SHA-256 than the
 * version's spec records, or the version was registered again with another jar. Loading it could
 * run a class nobody deployed, so it is refused; the message says which hashes differ.
 */
public final class JarMismatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public JarMismatchException(String message) {
        super(message);
    }
}
