package io.sluice.core.sql;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Typed values of a row: their binary form (for keys and partial aggregates), order, casts and text. */
public final class Values {

    private Values() {
    }

    /** Writes {@code value} (of {@code type}, or null). */
    public static void encode(Encoder out, Object value, SqlType type) {
        out.bool(value != null);
        if (value == null) {
            return;
        }
        switch (type) {
            case VARCHAR -> out.str((String) value);
            case BIGINT, TIMESTAMP -> out.i64(((Number) value).longValue());
            case DOUBLE -> out.f64(((Number) value).doubleValue());
            case BOOLEAN -> out.bool((Boolean) value);
            default -> throw new IllegalStateException("no encoding for " + type);
        }
    }

    /** Reads a value written by {@link #encode}. */
    public static Object decode(Decoder in, SqlType type) {
        if (!in.bool()) {
            return null;
        }
        return switch (type) {
            case VARCHAR -> in.str();
            case BIGINT, TIMESTAMP -> in.i64();
            case DOUBLE -> in.f64();
            case BOOLEAN -> in.bool();
            case ARRAY -> throw new IllegalStateException("an ARRAY is never stored");
        };
    }

    /** Orders two non-null values of comparable types; numbers compare by value across BIGINT and DOUBLE. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int compare(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        return ((Comparable) a).compareTo(b);
    }

    /** @return {@code value} as the Java type of {@code type}, for numbers that may have been widened */
    static Object coerce(Object value, SqlType type) {
        if (value instanceof Number n) {
            if (type == SqlType.DOUBLE) {
                return n.doubleValue();
            }
            if (type == SqlType.BIGINT || type == SqlType.TIMESTAMP) {
                return n.longValue();
            }
        }
        return value;
    }

    /**
     * SQL {@code CAST}.
     *
     * @throws IllegalArgumentException if the value does not convert, as a text that is no number
     */
    static Object cast(Object value, SqlType from, SqlType to) {
        if (from == to) {
            return value;
        }
        switch (to) {
            case VARCHAR:
                return from == SqlType.TIMESTAMP ? Instant.ofEpochMilli((Long) value).toString() : text(value);
            case BIGINT:
                if (value instanceof Number n) {
                    return n instanceof Double d ? (long) (double) d : n.longValue();
                }
                if (value instanceof String s) {
                    return Long.parseLong(s.trim());
                }
                break;
            case DOUBLE:
                if (value instanceof Number n) {
                    return n.doubleValue();
                }
                if (value instanceof String s) {
                    return Double.parseDouble(s.trim());
                }
                break;
            case BOOLEAN:
                if (value instanceof String s) {
                    String t = s.trim();
                    if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
                        return Boolean.parseBoolean(t);
                    }
                }
                break;
            case TIMESTAMP:
                if (value instanceof Long l) {
                    return l;
                }
                if (value instanceof String s) {
                    try {
                        return Instant.parse(s.trim()).toEpochMilli();
                    } catch (DateTimeParseException e) {
                        throw new IllegalArgumentException("cannot cast '" + s + "' to TIMESTAMP");
                    }
                }
                break;
            default:
                break;
        }
        throw new IllegalArgumentException("cannot cast " + from + " value " + text(value) + " to " + to);
    }

    /** @return the value as SQL text */
    public static String text(Object value) {
        return String.valueOf(value);
    }
}
