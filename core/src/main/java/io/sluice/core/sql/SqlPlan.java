package io.sluice.core.sql;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A SQL query compiled for the stage engine, with everything a runtime needs to run it and nothing
 * of Calcite. Rows flow as {@code Object[]}:
 * <ol>
 *   <li>the map stage turns each record into an input row ({@link InputSchema#row}), runs
 *       {@link #map()} (filters and projections), and, for a grouped query, folds the row into its
 *       group's partial aggregates; it emits one record per group, keyed by the group key;
 *   <li>after the shuffle, the group's owner merges the partials (over a window's batches, if the
 *       query has one), finishes the aggregates, and runs {@link #after()} (HAVING, the final
 *       projection).
 * </ol>
 * A query without GROUP BY is the map stage alone. Output is one JSON object per row, named by
 * {@link #names()}, keyed by the group key (or the input record's key).
 *
 * @param sql      the query as written
 * @param input    the input's schema and format
 * @param map      the row operations before grouping (or all of them, for an ungrouped query)
 * @param grouping the grouping, or {@code null}
 * @param after    the row operations after grouping
 * @param names    the output columns' names
 * @param types    the output columns' types
 */
public record SqlPlan(String sql, InputSchema input, List<RowOp> map, Grouping grouping, List<RowOp> after,
                      List<String> names, List<SqlType> types) {

    private static final int FORMAT = 2;
    private static final JsonFactory JSON = JsonFactory.builder().build();

    public SqlPlan {
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(input, "input");
        map = List.copyOf(map);
        after = List.copyOf(after);
        names = List.copyOf(names);
        types = List.copyOf(types);
        if (names.size() != types.size()) {
            throw new IllegalArgumentException(names.size() + " output names for " + types.size() + " types");
        }
    }

    /**
     * A filter (keeps rows where it is TRUE), a projection (computes a new row), or a join with a
     * table (appends the table's row for a key, or NULLs for an outer join without one).
     */
    public record RowOp(Expr filter, List<Expr> project, Join join, Explode explode) {
        public RowOp {
            int kinds = (filter == null ? 0 : 1) + (project == null ? 0 : 1) + (join == null ? 0 : 1)
                    + (explode == null ? 0 : 1);
            if (kinds != 1) {
                throw new IllegalArgumentException("a row operation is a filter, a projection, a join or an explode");
            }
            project = project == null ? null : List.copyOf(project);
        }

        public static RowOp filter(Expr condition) {
            return new RowOp(condition, null, null, null);
        }

        public static RowOp project(List<Expr> exprs) {
            return new RowOp(null, exprs, null, null);
        }

        public static RowOp join(Join join) {
            return new RowOp(null, null, join, null);
        }

        public static RowOp explode(Explode explode) {
            return new RowOp(null, null, null, explode);
        }

        /** @return the row after this operation, or {@code null} if it is filtered out */
        Object[] apply(Object[] row, TableLookup tables) {
            if (filter != null) {
                return Expr.passes(filter, row) ? row : null;
            }
            if (join != null) {
                return join.apply(row, tables);
            }
            Object[] out = new Object[project.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = project.get(i).eval(row);
            }
            return out;
        }
    }

    /**
     * A stream-table join: the table's row for the key {@code key} computes, appended to the row.
     * The table's row is its key, then its columns ({@code schema}).
     *
     * @param table  the table's name
     * @param key    the key, over the row so far, compared as text with the table's keys
     * @param schema the table's columns
     * @param outer  whether a row without a match is kept, with NULLs (LEFT JOIN), or dropped
     */
    public record Join(String table, Expr key, InputSchema schema, boolean outer) {

        /** @return how many values the table adds to a row */
        public int width() {
            return 1 + schema.columns().size();
        }

        Object[] apply(Object[] row, TableLookup tables) {
            Object key = this.key.eval(row);
            Object[] match = key == null ? null : tables.row(this, Values.text(key));
            if (match == null && !outer) {
                return null;
            }
            Object[] out = java.util.Arrays.copyOf(row, row.length + width());
            if (match != null) {
                System.arraycopy(match, 0, out, row.length, width());
            }
            return out;
        }
    }

    /**
     * {@code CROSS JOIN UNNEST(array)}: one row per element of the array (as {@code SPLIT} makes),
     * each the row with the element appended. A NULL array gives no rows.
     */
    public record Explode(Expr array) {
        void apply(Object[] row, java.util.function.Consumer<Object[]> out) {
            Object value = array.eval(row);
            if (value == null) {
                return;
            }
            for (Object element : (List<?>) value) {
                Object[] next = java.util.Arrays.copyOf(row, row.length + 1);
                next[row.length] = element;
                out.accept(next);
            }
        }
    }

    /** Where a plan's joins find the tables' rows. */
    public interface TableLookup {
        /** A plan without joins needs no tables. */
        TableLookup NONE = (join, key) -> {
            throw new IllegalStateException("this plan joins table '" + join.table() + "', and no tables were given");
        };

        /** @return the table's row for {@code key}: the key, then its columns; or {@code null} */
        Object[] row(Join join, String key);
    }

    /**
     * GROUP BY: the grouping columns of the mapped row and the aggregates over it. The aggregated
     * row is the group columns in order, with the window's start at {@code windowSlot} if the query
     * groups by a window, then the aggregates' results.
     *
     * @param keys         the mapped row's indexes that form the group key (not the window)
     * @param keyTypes     their types
     * @param windowSlot   where in the group columns the window start goes, or -1
     * @param windowLength the window's length in milliseconds (0 without one)
     * @param windowSlide  the window's slide in milliseconds (0 without one)
     * @param calls        the aggregates
     */
    public record Grouping(List<Integer> keys, List<SqlType> keyTypes, int windowSlot, long windowLength,
                           long windowSlide, List<AggCall> calls) {
        public Grouping {
            keys = List.copyOf(keys);
            keyTypes = List.copyOf(keyTypes);
            calls = List.copyOf(calls);
        }

        /** @return whether the query groups by a window */
        public boolean windowed() {
            return windowSlot >= 0;
        }

        /** @return the group key of a mapped row, as the bytes records are shuffled by */
        public byte[] key(Object[] row) {
            Encoder out = new Encoder(32);
            for (int i = 0; i < keys.size(); i++) {
                Values.encode(out, row[keys.get(i)], keyTypes.get(i));
            }
            return out.toByteArray();
        }

        /** @return empty partials, one per aggregate */
        public Object[] start() {
            Object[] partials = new Object[calls.size()];
            for (int i = 0; i < partials.length; i++) {
                partials[i] = calls.get(i).start();
            }
            return partials;
        }

        /** Folds a mapped row into its group's partials. */
        public void add(Object[] partials, Object[] row) {
            for (int i = 0; i < partials.length; i++) {
                calls.get(i).add(partials[i], row);
            }
        }

        /** Merges {@code other} into {@code partials}. */
        public void merge(Object[] partials, Object[] other) {
            for (int i = 0; i < partials.length; i++) {
                calls.get(i).merge(partials[i], other[i]);
            }
        }

        public byte[] writePartials(Object[] partials) {
            Encoder out = new Encoder(32);
            for (int i = 0; i < partials.length; i++) {
                calls.get(i).writePartial(out, partials[i]);
            }
            return out.toByteArray();
        }

        /** @throws io.sluice.core.encoding.MalformedDataException if the bytes are not this grouping's partials */
        public Object[] readPartials(byte[] bytes) {
            Decoder in = new Decoder(bytes);
            Object[] partials = new Object[calls.size()];
            for (int i = 0; i < partials.length; i++) {
                partials[i] = calls.get(i).readPartial(in);
            }
            in.end();
            return partials;
        }

        /** @return the group key's values */
        public Object[] keyValues(byte[] key) {
            Decoder in = new Decoder(key);
            Object[] values = new Object[keys.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = Values.decode(in, keyTypes.get(i));
            }
            in.end();
            return values;
        }

        /** @return the aggregated row of a group: its columns (and the window start), then the results */
        Object[] row(byte[] key, Object[] partials, long windowStart) {
            Object[] values = keyValues(key);
            int groups = values.length + (windowed() ? 1 : 0);
            Object[] row = new Object[groups + calls.size()];
            for (int g = 0, k = 0; g < groups; g++) {
                row[g] = g == windowSlot ? (Object) windowStart : values[k++];
            }
            for (int i = 0; i < calls.size(); i++) {
                row[groups + i] = calls.get(i).result(partials[i]);
            }
            return row;
        }
    }

    /** @return whether the query has GROUP BY (and so a second stage) */
    public boolean grouped() {
        return grouping != null;
    }

    /**
     * @return the input row after the map stage's filters and projections, or {@code null} if it is
     *     filtered out
     * @throws RuntimeException from an expression, as a division by zero
     */
    public Object[] map(Object[] row) {
        return map(row, TableLookup.NONE);
    }

    /**
     * @return the row after the map stage's operations, with the tables its joins read, or {@code null}
     * @throws IllegalStateException if the plan explodes rows, so one row may become several: use
     *     {@link #map(Object[], TableLookup, java.util.function.Consumer)}
     */
    public Object[] map(Object[] row, TableLookup tables) {
        if (map.stream().anyMatch(op -> op.explode() != null)) {
            throw new IllegalStateException("this plan makes several rows of one: map it into a consumer");
        }
        return apply(map, row, tables);
    }

    /** Passes each row the map stage's operations make of {@code row} to {@code out}: none, one, or, with UNNEST, several. */
    public void map(Object[] row, TableLookup tables, java.util.function.Consumer<Object[]> out) {
        apply(0, row, tables, out);
    }

    private void apply(int from, Object[] row, TableLookup tables, java.util.function.Consumer<Object[]> out) {
        Object[] r = row;
        for (int i = from; i < map.size(); i++) {
            RowOp op = map.get(i);
            if (op.explode() != null) {
                int next = i + 1;
                op.explode().apply(r, part -> apply(next, part, tables, out));
                return;
            }
            r = op.apply(r, tables);
            if (r == null) {
                return;
            }
        }
        out.accept(r);
    }

    /** @return the tables the plan joins */
    public List<Join> joins() {
        return map.stream().filter(op -> op.join() != null).map(RowOp::join).toList();
    }

    /**
     * @param windowEnd the end of the group's window (its batch time), for a windowed query
     * @return the output row of a group, or {@code null} if HAVING drops it
     */
    public Object[] finish(byte[] key, Object[] partials, long windowEnd) {
        return apply(after, grouping.row(key, partials, windowEnd - grouping.windowLength()), TableLookup.NONE);
    }

    private static Object[] apply(List<RowOp> ops, Object[] row, TableLookup tables) {
        Object[] r = row;
        for (int i = 0; i < ops.size() && r != null; i++) {
            r = ops.get(i).apply(r, tables);
        }
        return r;
    }

    /** @return the record key of a group's output: its one value as text, or its values as a JSON array */
    public byte[] outputKey(byte[] groupKey) {
        Object[] values = grouping.keyValues(groupKey);
        if (values.length == 0) {
            return null;
        }
        if (values.length == 1) {
            return values[0] == null ? null : text(values[0], grouping.keyTypes().get(0)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return json(gen -> {
            gen.writeStartArray();
            for (int i = 0; i < values.length; i++) {
                write(gen, values[i], grouping.keyTypes().get(i));
            }
            gen.writeEndArray();
        });
    }

    /** @return an output row as a JSON object */
    public byte[] outputValue(Object[] row) {
        return json(gen -> {
            gen.writeStartObject();
            for (int i = 0; i < names.size(); i++) {
                gen.writeFieldName(names.get(i));
                write(gen, row[i], types.get(i));
            }
            gen.writeEndObject();
        });
    }

    private interface Writer {
        void write(JsonGenerator gen) throws IOException;
    }

    private static byte[] json(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (JsonGenerator gen = JSON.createGenerator(bytes)) {
            writer.write(gen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void write(JsonGenerator gen, Object v, SqlType type) throws IOException {
        if (v == null) {
            gen.writeNull();
            return;
        }
        switch (type) {
            case VARCHAR -> gen.writeString((String) v);
            case BIGINT -> gen.writeNumber(((Number) v).longValue());
            case DOUBLE -> {
                double d = ((Number) v).doubleValue();
                if (Double.isFinite(d)) {
                    gen.writeNumber(d);
                } else {
                    gen.writeNull();
                }
            }
            case BOOLEAN -> gen.writeBoolean((Boolean) v);
            case TIMESTAMP -> gen.writeString(Instant.ofEpochMilli(((Number) v).longValue()).toString());
            case ARRAY -> {
                gen.writeStartArray();
                for (Object element : (List<?>) v) {
                    gen.writeString(String.valueOf(element));
                }
                gen.writeEndArray();
            }
        }
    }

    private static String text(Object v, SqlType type) {
        return type == SqlType.TIMESTAMP ? Instant.ofEpochMilli(((Number) v).longValue()).toString() : String.valueOf(v);
    }

    /** @return the plan as text, to travel in a pipeline's parameters */
    public String encode() {
        Encoder out = new Encoder(256);
        out.u8(FORMAT).str(sql);
        input.encode(out);
        writeOps(out, map);
        out.bool(grouping != null);
        if (grouping != null) {
            out.list(grouping.keys(), Encoder::i32);
            out.list(grouping.keyTypes(), (e, t) -> e.u8(t.ordinal()));
            out.i32(grouping.windowSlot()).i64(grouping.windowLength()).i64(grouping.windowSlide());
            out.list(grouping.calls(), (e, c) -> c.write(e));
        }
        writeOps(out, after);
        out.strings(names);
        out.list(types, (e, t) -> e.u8(t.ordinal()));
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /**
     * @throws IllegalArgumentException if the text is not a plan this build can read
     */
    public static SqlPlan decode(String text) {
        try {
            Decoder in = new Decoder(Base64.getDecoder().decode(text));
            int format = in.u8();
            if (format != FORMAT) {
                throw new IllegalArgumentException("SQL plan format " + format + " is not " + FORMAT);
            }
            String sql = in.str();
            InputSchema input = InputSchema.decode(in);
            List<RowOp> map = readOps(in);
            Grouping grouping = null;
            if (in.bool()) {
                grouping = new Grouping(in.list(Decoder::i32), in.list(d -> SqlType.values()[d.u8()]), in.i32(), in.i64(),
                        in.i64(), in.list(AggCall::read));
            }
            List<RowOp> after = readOps(in);
            List<String> names = in.strings();
            List<SqlType> types = in.list(d -> SqlType.values()[d.u8()]);
            in.end();
            return new SqlPlan(sql, input, map, grouping, after, names, types);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a SQL plan this build can read: " + e.getMessage(), e);
        }
    }

    private static void writeOps(Encoder out, List<RowOp> ops) {
        out.list(ops, (e, op) -> {
            if (op.filter() != null) {
                e.u8(0);
                Expr.encode(e, op.filter());
            } else if (op.project() != null) {
                e.u8(1);
                e.list(op.project(), Expr::encode);
            } else if (op.join() != null) {
                e.u8(2).str(op.join().table()).bool(op.join().outer());
                Expr.encode(e, op.join().key());
                op.join().schema().encode(e);
            } else {
                e.u8(3);
                Expr.encode(e, op.explode().array());
            }
        });
    }

    private static List<RowOp> readOps(Decoder in) {
        return new ArrayList<>(in.list(d -> {
            int kind = d.u8();
            return switch (kind) {
                case 0 -> RowOp.filter(Expr.decode(d));
                case 1 -> RowOp.project(d.list(Expr::decode));
                case 2 -> {
                    String table = d.str();
                    boolean outer = d.bool();
                    yield RowOp.join(new Join(table, Expr.decode(d), InputSchema.decode(d), outer));
                }
                case 3 -> RowOp.explode(new Explode(Expr.decode(d)));
                default -> throw new IllegalStateException("unknown row operation " + kind);
            };
        }));
    }
}
