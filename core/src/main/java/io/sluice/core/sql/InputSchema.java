package io.sluice.core.sql;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a SQL pipeline's input records hold: named, typed columns in a format, JSON objects or CSV
 * lines. Every row also has the column {@value #ROWTIME}, the time of the batch the record fell
 * in, which windows group by. A record that does not fit is a {@link MalformedRowException}.
 *
 * @param columns the declared columns, in order
 * @param format  how a record's value encodes them
 */
public record InputSchema(List<Column> columns, Format format) {

    /** The pseudo-column every row has: its batch's time. */
    public static final String ROWTIME = "rowtime";
    private static final int MAX_COLUMNS = 256;
    private static final Pattern DECLARATION = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s+([A-Za-z]+)\\s*");
    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** How a record's value holds the columns. */
    public enum Format {
        /** One JSON object per record; columns are its fields, by name. A missing field is NULL. */
        JSON,
        /** One line of comma-separated values per record, the columns in declared order; an empty value is NULL. */
        CSV;

        /** @throws IllegalArgumentException naming the formats there are */
        public static Format parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown format '" + name + "': use json or csv");
            }
        }
    }

    /** A declared column. */
    public record Column(String name, SqlType type) {
    }

    public InputSchema {
        columns = List.copyOf(columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a schema needs at least one column");
        }
        if (columns.size() > MAX_COLUMNS) {
            throw new IllegalArgumentException("a schema has at most " + MAX_COLUMNS + " columns, was " + columns.size());
        }
        Set<String> names = new HashSet<>();
        for (Column c : columns) {
            if (!names.add(c.name().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("schema names column '" + c.name() + "' twice");
            }
            if (c.name().equalsIgnoreCase(ROWTIME)) {
                throw new IllegalArgumentException("'" + ROWTIME + "' is the batch time every row has; name the column otherwise");
            }
        }
    }

    /**
     * @param declaration columns as {@code name TYPE, name TYPE, ...}, for example
     *     {@code "user VARCHAR, amount DOUBLE"}
     * @throws IllegalArgumentException saying which part does not parse
     */
    public static InputSchema parse(String declaration, Format format) {
        if (declaration == null || declaration.isBlank()) {
            throw new IllegalArgumentException("the schema is empty: declare columns as 'name TYPE, name TYPE'");
        }
        List<Column> columns = new ArrayList<>();
        for (String part : declaration.split(",", -1)) {
            Matcher m = DECLARATION.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException("schema column '" + part.trim() + "' is not 'name TYPE'");
            }
            columns.add(new Column(m.group(1), SqlType.parse(m.group(2))));
        }
        return new InputSchema(columns, format);
    }

    /** @return the declaration this schema parses from */
    public String declaration() {
        StringBuilder out = new StringBuilder();
        for (Column c : columns) {
            out.append(out.length() == 0 ? "" : ", ").append(c.name()).append(' ').append(c.type());
        }
        return out.toString();
    }

    /** @return how many values a row has: the columns, then {@value #ROWTIME} */
    public int width() {
        return columns.size() + 1;
    }

    /**
     * @param value     the record's value
     * @param batchTime the record's batch time, the row's {@value #ROWTIME}
     * @return the row: the columns' values, then the batch time
     * @throws MalformedRowException saying what does not fit
     */
    public Object[] row(byte[] value, long batchTime) {
        if (value == null) {
            throw new MalformedRowException("the record has no value");
        }
        Object[] row = new Object[width()];
        if (format == Format.JSON) {
            json(value, row);
        } else {
            csv(new String(value, StandardCharsets.UTF_8), row);
        }
        row[columns.size()] = batchTime;
        return row;
    }

    private void json(byte[] value, Object[] row) {
        Map<String, Integer> index = index();
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedRowException("the value is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                Integer i = index.get(p.currentName());
                if (i == null) {
                    i = index.get(p.currentName().toLowerCase(Locale.ROOT));
                }
                JsonToken v = p.nextToken();
                if (i == null) {
                    p.skipChildren();
                    continue;
                }
                row[i] = jsonValue(p, v, columns.get(i));
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new MalformedRowException("the value is not one JSON object");
            }
        } catch (IOException e) {
            throw new MalformedRowException("the value is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    private Map<String, Integer> index() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            index.put(columns.get(i).name(), i);
            index.putIfAbsent(columns.get(i).name().toLowerCase(Locale.ROOT), i);
        }
        return index;
    }

    private static Object jsonValue(JsonParser p, JsonToken v, Column c) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        switch (c.type()) {
            case VARCHAR:
                if (v == JsonToken.VALUE_STRING || v.isNumeric() || v.isBoolean()) {
                    return p.getText();
                }
                break;
            case BIGINT:
                if (v == JsonToken.VALUE_NUMBER_INT) {
                    try {
                        return p.getLongValue();
                    } catch (IOException e) {
                        throw new MalformedRowException("field '" + c.name() + "' is out of range for BIGINT: " + p.getText());
                    }
                }
                break;
            case DOUBLE:
                if (v.isNumeric()) {
                    return p.getDoubleValue();
                }
                break;
            case BOOLEAN:
                if (v.isBoolean()) {
                    return p.getBooleanValue();
                }
                break;
            case TIMESTAMP:
                if (v == JsonToken.VALUE_NUMBER_INT) {
                    return p.getLongValue();
                }
                if (v == JsonToken.VALUE_STRING) {
                    return timestamp(c, p.getText());
                }
                break;
            default:
                break;
        }
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            throw new MalformedRowException("field '" + c.name() + "' must be a " + c.type() + ", was a JSON "
                    + (v == JsonToken.START_OBJECT ? "object" : "array"));
        }
        throw new MalformedRowException("field '" + c.name() + "' must be a " + c.type() + ", was " + shortText(p.getText(), v));
    }

    private void csv(String line, Object[] row) {
        List<String> fields = Csv.split(line);
        if (fields.size() != columns.size()) {
            throw new MalformedRowException("the line has " + fields.size() + " field(s); the schema has " + columns.size());
        }
        for (int i = 0; i < fields.size(); i++) {
            row[i] = csvValue(fields.get(i), columns.get(i));
        }
    }

    private static Object csvValue(String text, Column c) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return switch (c.type()) {
                case VARCHAR -> text;
                case BIGINT -> Long.parseLong(text.trim());
                case DOUBLE -> Double.parseDouble(text.trim());
                case BOOLEAN -> {
                    String t = text.trim().toLowerCase(Locale.ROOT);
                    if (!t.equals("true") && !t.equals("false")) {
                        throw new NumberFormatException();
                    }
                    yield t.equals("true");
                }
                case TIMESTAMP -> timestamp(c, text.trim());
                case ARRAY -> throw new IllegalStateException("no input column is an ARRAY");
            };
        } catch (NumberFormatException e) {
            throw new MalformedRowException("field '" + c.name() + "' must be a " + c.type() + ", was "
                    + shortText(text, null));
        }
    }

    private static long timestamp(Column c, String text) {
        try {
            return text.chars().allMatch(Character::isDigit) ? Long.parseLong(text) : Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new MalformedRowException("field '" + c.name() + "' must be a TIMESTAMP (epoch milliseconds or "
                    + "ISO-8601 like 2026-01-31T12:00:00Z), was " + shortText(text, null));
        }
    }

    private static String shortText(String text, JsonToken token) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return token == JsonToken.VALUE_STRING || token == null ? "'" + shown + "'" : shown;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    void encode(Encoder out) {
        out.u8(format.ordinal()).list(columns, (e, c) -> e.str(c.name()).u8(c.type().ordinal()));
    }

    static InputSchema decode(Decoder in) {
        Format format = Format.values()[in.u8()];
        List<Column> columns = in.list(d -> new Column(d.str(), SqlType.values()[d.u8()]));
        return new InputSchema(columns, format);
    }
}
