package io.sluice.core.registry;

import java.util.Locale;

/** What a pipeline promises about its output when attempts are retried. */
public enum Delivery {

    /**
     * Each attempt writes its output and a commit marker for its task in one Kafka transaction; a
     * retry of a task that already committed finds the marker and writes nothing. Readers using
     * {@code isolation.level=read_committed} see every output record once.
     */
    EXACTLY_ONCE("exactly-once"),

    /** Output is written as it is emitted; a retried task writes its output again. Lower latency. */
    AT_LEAST_ONCE("at-least-once");

    private final String text;

    Delivery(String text) {
        this.text = text;
    }

    /** @return the name people use: {@code exactly-once} or {@code at-least-once} */
    public String text() {
        return text;
    }

    /**
     * @param text {@code exactly-once} or {@code at-least-once} (any case, {@code _} for {@code -})
     * @return the delivery mode
     * @throws IllegalArgumentException for anything else
     */
    public static Delivery parse(String text) {
        String normal = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Delivery d : values()) {
            if (d.text.equals(normal)) {
                return d;
            }
        }
        throw new IllegalArgumentException("delivery '" + text + "' is not exactly-once or at-least-once");
    }
}
