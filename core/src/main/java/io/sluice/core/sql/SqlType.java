package io.sluice.core.sql;

import java.util.Locale;
import java.util.Map;

/**
 * The column types a SQL pipeline knows. Each has one Java representation in a row: a
 * {@code String}, a {@code Long}, a {@code Double}, a {@code Boolean}, or, for a timestamp, a
 * {@code Long} of epoch milliseconds. {@code ARRAY} is a {@code List<String>}, as {@code SPLIT} makes,
 * only within the map stage: it is never a column of an input, a group key or an aggregate's
 * argument. {@code null} is a SQL NULL of any type.
 */
public enum SqlType {
    VARCHAR, BIGINT, DOUBLE, BOOLEAN, TIMESTAMP, ARRAY;

    private static final Map<String, SqlType> NAMES = Map.ofEntries(
            Map.entry("VARCHAR", VARCHAR), Map.entry("STRING", VARCHAR), Map.entry("CHAR", VARCHAR),
            Map.entry("BIGINT", BIGINT), Map.entry("INT", BIGINT), Map.entry("INTEGER", BIGINT),
            Map.entry("SMALLINT", BIGINT), Map.entry("TINYINT", BIGINT),
            Map.entry("DOUBLE", DOUBLE), Map.entry("FLOAT", DOUBLE), Map.entry("REAL", DOUBLE),
            Map.entry("DECIMAL", DOUBLE),
            Map.entry("BOOLEAN", BOOLEAN), Map.entry("TIMESTAMP", TIMESTAMP));

    /**
     * @param name a type name as a schema declares it ({@code VARCHAR}, {@code INT}, {@code DOUBLE}, ...)
     * @throws IllegalArgumentException naming the types there are
     */
    public static SqlType parse(String name) {
        SqlType type = NAMES.get(name.toUpperCase(Locale.ROOT));
        if (type == null) {
            throw new IllegalArgumentException("unknown type '" + name
                    + "': use VARCHAR, BIGINT (or INT), DOUBLE, BOOLEAN or TIMESTAMP");
        }
        return type;
    }

    /** @return whether values of this type are numbers */
    public boolean numeric() {
        return this == BIGINT || this == DOUBLE;
    }
}
