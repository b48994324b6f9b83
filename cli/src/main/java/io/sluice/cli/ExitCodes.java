package io.sluice.cli;

/** What {@code sluice} exits with. Scripts can tell a refused request from an unreachable gateway. */
public final class ExitCodes {

    /** Done. */
    public static final int OK = 0;
    /** The gateway refused the request (a 4xx): the message says why. */
    public static final int REFUSED = 1;
    /** The command line is wrong: unknown option, missing argument, unreadable file. */
    public static final int USAGE = 2;
    /** The gateway (or scheduler) cannot be reached. */
    public static final int UNREACHABLE = 3;
    /** The gateway failed (a 5xx), or a server role could not start. */
    public static final int FAILED = 4;

    private ExitCodes() {
    }
}
