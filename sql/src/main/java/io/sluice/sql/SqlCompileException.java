package io.sluice.sql;

/**
 * A query that does not compile: bad syntax, an unknown column, a type error, or a construct Sluice
 * does not run. The message is one line and starts with the position when there is one.
 */
public final class SqlCompileException extends Exception {

    private static final long serialVersionUID = 1L;
    private final int line;
    private final int column;

    SqlCompileException(String reason, int line, int column) {
        super((line > 0 ? "line " + line + ", column " + column + ": " : "") + oneLine(reason));
        this.line = line;
        this.column = column;
    }

    /** @return the line the error is at, from 1, or 0 if it has no position */
    public int line() {
        return line;
    }

    /** @return the column the error is at, from 1, or 0 if it has no position */
    public int column() {
        return column;
    }

    private static String oneLine(String reason) {
        String r = reason == null ? "invalid query" : reason.strip();
        int nl = r.indexOf('\n');
        return nl < 0 ? r : r.substring(0, nl).strip();
    }
}
