package io.sluice.core.sql;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.util.List;

/**
 * A scalar expression over a row, as the SQL compiler translates it from Calcite's: a column
 * reference, a literal, or an operator over expressions. Evaluation follows SQL's rules for NULL:
 * an operator over a NULL is NULL, except for the logical ones (three-valued), {@code IS [NOT] NULL},
 * {@code COALESCE} and {@code CASE}.
 */
public sealed interface Expr {

    /** @return the value of this expression over {@code row}, or {@code null} for NULL */
    Object eval(Object[] row);

    /** @return the type of the value */
    SqlType type();

    /** The value at {@code index} in the row. */
    record Ref(int index, SqlType type) implements Expr {
        @Override
        public Object eval(Object[] row) {
            return row[index];
        }
    }

    /** A constant; {@code value} is of the Java type of {@code type}, or {@code null}. */
    record Lit(Object value, SqlType type) implements Expr {
        @Override
        public Object eval(Object[] row) {
            return value;
        }
    }

    /** An operator over its arguments. */
    record Call(Op op, List<Expr> args, SqlType type) implements Expr {
        public Call {
            args = List.copyOf(args);
            op.checkArity(args.size());
        }

        @Override
        public Object eval(Object[] row) {
            return op.apply(this, row);
        }
    }

    /** Evaluates {@code condition} as a filter: only TRUE passes, NULL does not. */
    static boolean passes(Expr condition, Object[] row) {
        return Boolean.TRUE.equals(condition.eval(row));
    }

    static void encode(Encoder out, Expr expr) {
        if (expr instanceof Ref r) {
            out.u8(0).i32(r.index()).u8(r.type().ordinal());
        } else if (expr instanceof Lit l) {
            out.u8(1).u8(l.type().ordinal());
            Values.encode(out, l.value(), l.type());
        } else {
            Call c = (Call) expr;
            out.u8(2).str(c.op().name()).u8(c.type().ordinal());
            out.list(c.args(), Expr::encode);
        }
    }

    static Expr decode(Decoder in) {
        int tag = in.u8();
        return switch (tag) {
            case 0 -> new Ref(in.i32(), SqlType.values()[in.u8()]);
            case 1 -> {
                SqlType type = SqlType.values()[in.u8()];
                yield new Lit(Values.decode(in, type), type);
            }
            case 2 -> {
                Op op = Op.valueOf(in.str());
                SqlType type = SqlType.values()[in.u8()];
                yield new Call(op, in.list(Expr::decode), type);
            }
            default -> throw new IllegalStateException("unknown expression tag " + tag);
        };
    }
}
