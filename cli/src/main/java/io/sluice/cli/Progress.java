package io.sluice.cli;

import java.io.PrintWriter;

/** A one-line progress bar, redrawn in place. */
final class Progress {

    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final long total;
    private final String unit;
    private long shown = -1;

    Progress(PrintWriter out, long total, String unit) {
        this.out = out;
        this.total = Math.max(1, total);
        this.unit = unit;
    }

    void show(long done) {
        if (done == shown) {
            return;
        }
        shown = done;
        int filled = (int) Math.min(WIDTH, done * WIDTH / total);
        out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total + " " + unit);
        out.flush();
    }

    void finish() {
        out.println();
        out.flush();
    }
}
