package io.sluice.core.sql;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * One aggregate of a grouped query, computed in two steps: each map task folds its rows into a
 * partial result per group ({@link #add}), the partials cross the shuffle ({@link #writePartial}), and the
 * task that owns the group merges them ({@link #merge}) and finishes ({@link #result}). Every partial
 * is a small value, except {@code COUNT(DISTINCT)}'s, which holds the distinct values.
 *
 * @param kind     what it computes
 * @param arg      the row index of its argument, or -1 for {@code COUNT(*)}
 * @param argType  the argument's type (ignored for {@code COUNT(*)})
 * @param type     the result's type
 */
public record AggCall(Kind kind, int arg, SqlType argType, SqlType type) {

    /** The aggregate functions. */
    public enum Kind { COUNT, SUM, AVG, MIN, MAX, COUNT_DISTINCT }

    /** @return an empty partial */
    public Object start() {
        return switch (kind) {
            case COUNT -> new long[1];
            case AVG -> new double[2];
            case COUNT_DISTINCT -> new TreeSet<>(Values::compare);
            default -> new Object[1];
        };
    }

    /** Folds one row into {@code partial}. */
    @SuppressWarnings("unchecked")
    public void add(Object partial, Object[] row) {
        Object v = arg < 0 ? Boolean.TRUE : row[arg];
        if (v == null) {
            return; // every aggregate but COUNT(*) ignores NULL
        }
        switch (kind) {
            case COUNT -> ((long[]) partial)[0]++;
            case AVG -> {
                double[] p = (double[]) partial;
                p[0] += ((Number) v).doubleValue();
                p[1]++;
            }
            case COUNT_DISTINCT -> ((TreeSet<Object>) partial).add(v);
            default -> fold((Object[]) partial, v);
        }
    }

    private void fold(Object[] p, Object v) {
        Object old = p[0];
        if (old == null) {
            p[0] = v;
            return;
        }
        p[0] = switch (kind) {
            case SUM -> old instanceof Long a && v instanceof Long b && type != SqlType.DOUBLE
                    ? (Object) Math.addExact(a, b) : (Object) (((Number) old).doubleValue() + ((Number) v).doubleValue());
            case MIN -> Values.compare(v, old) < 0 ? v : old;
            case MAX -> Values.compare(v, old) > 0 ? v : old;
            default -> throw new IllegalStateException(kind + " does not fold");
        };
    }

    /** Merges partial {@code other} into {@code partial}. */
    @SuppressWarnings("unchecked")
    public void merge(Object partial, Object other) {
        switch (kind) {
            case COUNT -> ((long[]) partial)[0] += ((long[]) other)[0];
            case AVG -> {
                double[] p = (double[]) partial;
                double[] o = (double[]) other;
                p[0] += o[0];
                p[1] += o[1];
            }
            case COUNT_DISTINCT -> ((TreeSet<Object>) partial).addAll((TreeSet<Object>) other);
            default -> {
                Object v = ((Object[]) other)[0];
                if (v != null) {
                    fold((Object[]) partial, v);
                }
            }
        }
    }

    /** @return the aggregate's value for the merged {@code partial} */
    @SuppressWarnings("unchecked")
    public Object result(Object partial) {
        return switch (kind) {
            case COUNT -> ((long[]) partial)[0];
            case COUNT_DISTINCT -> (long) ((TreeSet<Object>) partial).size();
            case AVG -> {
                double[] p = (double[]) partial;
                if (p[1] == 0) {
                    yield null;
                }
                double avg = p[0] / p[1];
                yield type == SqlType.DOUBLE ? (Object) avg : (Object) (long) avg;
            }
            default -> Values.coerce(((Object[]) partial)[0], type);
        };
    }

    /** Writes a partial. */
    @SuppressWarnings("unchecked")
    public void writePartial(Encoder out, Object partial) {
        switch (kind) {
            case COUNT -> out.i64(((long[]) partial)[0]);
            case AVG -> out.f64(((double[]) partial)[0]).f64(((double[]) partial)[1]);
            case COUNT_DISTINCT -> {
                TreeSet<Object> set = (TreeSet<Object>) partial;
                out.list(new ArrayList<>(set), (e, v) -> Values.encode(e, v, argType));
            }
            default -> Values.encode(out, ((Object[]) partial)[0], kind == Kind.SUM ? sumType() : argType);
        }
    }

    /** Reads a partial written by {@link #writePartial}. */
    public Object readPartial(Decoder in) {
        return switch (kind) {
            case COUNT -> new long[] {in.i64()};
            case AVG -> new double[] {in.f64(), in.f64()};
            case COUNT_DISTINCT -> {
                TreeSet<Object> set = new TreeSet<>(Values::compare);
                List<Object> values = in.list(d -> Values.decode(d, argType));
                set.addAll(values);
                yield set;
            }
            default -> new Object[] {Values.decode(in, kind == Kind.SUM ? sumType() : argType)};
        };
    }

    private SqlType sumType() {
        return argType == SqlType.BIGINT && type != SqlType.DOUBLE ? SqlType.BIGINT : SqlType.DOUBLE;
    }

    void write(Encoder out) {
        out.u8(kind.ordinal()).i32(arg).u8(argType.ordinal()).u8(type.ordinal());
    }

    static AggCall read(Decoder in) {
        return new AggCall(Kind.values()[in.u8()], in.i32(), SqlType.values()[in.u8()], SqlType.values()[in.u8()]);
    }
}
