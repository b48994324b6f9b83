package io.sluice.core.registry;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Batch intervals as people write them: {@code 500ms}, {@code 1s}, {@code 2m}, {@code 1h}. */
public final class Durations {

    private static final Pattern TEXT = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");

    private Durations() {
    }

    /**
     * @param text a number followed by {@code ms}, {@code s}, {@code m} or {@code h}
     * @return the duration
     * @throws IllegalArgumentException if the text is not such a duration
     */
    public static Duration parse(String text) {
        Matcher m = text == null ? null : TEXT.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 500ms, 1s, 2m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2);
        if ("ms".equals(unit)) {
            return Duration.ofMillis(amount);
        } else if ("s".equals(unit)) {
            return Duration.ofSeconds(amount);
        } else if ("m".equals(unit)) {
            return Duration.ofMinutes(amount);
        }
        return Duration.ofHours(amount);
    }

    /** @return the shortest exact text {@link #parse} reads back, e.g. {@code 1500ms} or {@code 2s} */
    public static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        } else if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        } else if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
