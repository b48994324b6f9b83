package io.sluice.runtime.internal;

import io.sluice.core.registry.StageSpec;
import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.Record;
import io.sluice.function.InvertibleReducer;
import io.sluice.function.Reducer;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A keyed reduction, on both sides of a shuffle: {@link #combine} folds a map task's output into one
 * value per key before the shuffle (Spark's map-side combine), and {@link #grouped()} folds the
 * partial values a reduce task reads, grouped by key, into one record per key.
 *
 * <p>The built-ins work on UTF-8 decimal integers and write them the same way: {@code count}
 * counts records (any value), {@code sum}, {@code min} and {@code max} read each value as a
 * {@code long}. A user {@link Reducer} works on the bytes.
 */
abstract class Reduction {

    /** @return the built-in reduction of that name */
    static Reduction builtIn(String name) {
        return switch (name) {
            case "count" -> new Arithmetic(name, Math::addExact, true);
            case "sum" -> new Arithmetic(name, Math::addExact, false);
            case "min" -> new Arithmetic(name, Math::min, false);
            case "max" -> new Arithmetic(name, Math::max, false);
            default -> throw new IllegalArgumentException("unknown reduction '" + name + "': use "
                    + String.join(", ", StageSpec.BUILT_INS));
        };
    }

    /** @return a reduction by a user's {@link Reducer} */
    static Reduction of(String name, Reducer reducer) {
        return new User(name, reducer);
    }

    /**
     * Folds records into one value per key, in the order keys first appear.
     *
     * @param lift whether the values are the map function's output (a {@code count} counts them)
     *     rather than partial results of this reduction
     */
    final List<Map.Entry<byte[], byte[]>> combine(Iterable<? extends Map.Entry<byte[], byte[]>> records, boolean lift)
            throws Exception {
        Map<Key, Object> acc = new LinkedHashMap<>();
        for (Map.Entry<byte[], byte[]> r : records) {
            Key key = new Key(r.getKey());
            Object value = lift ? lift(r.getKey(), r.getValue()) : read(r.getKey(), r.getValue());
            Object previous = acc.get(key);
            acc.put(key, previous == null ? value : merge(r.getKey(), previous, value));
        }
        List<Map.Entry<byte[], byte[]>> combined = new ArrayList<>(acc.size());
        acc.forEach((key, value) -> combined.add(new SimpleImmutableEntry<>(key.bytes, write(value))));
        return combined;
    }

    /**
     * @return the reduce side: a function over a partition whose records are grouped by key (all of
     *     a key's records next to each other), emitting one record per key
     */
    final BatchFunction grouped() {
        return new BatchFunction() {
            @Override
            public void apply(Batch batch, Emitter out) throws Exception {
                byte[] key = null;
                Object acc = null;
                boolean open = false;
                for (Record r : batch) {
                    byte[] k = r.key();
                    Object v = read(k, r.value());
                    if (open && Arrays.equals(key, k)) {
                        acc = merge(k, acc, v);
                    } else {
                        if (open) {
                            out.emit(key, write(acc));
                        }
                        key = k;
                        acc = v;
                        open = true;
                    }
                }
                if (open) {
                    out.emit(key, write(acc));
                }
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }

    /** @return two partial results, as this reduction writes them, folded into one */
    final byte[] mergeWritten(byte[] key, byte[] left, byte[] right) throws Exception {
        return write(merge(key, read(key, left), read(key, right)));
    }

    /** @return a partial result as this reduction writes it, after checking that it reads it */
    final byte[] checkWritten(byte[] key, byte[] value) throws Exception {
        return write(read(key, value));
    }

    /** @return whether {@link #inverse} can take a partial result back out of a total */
    abstract boolean invertible();

    /**
     * @return {@code total} without {@code removed}, both written partial results
     * @throws UnsupportedOperationException if the reduction has no inverse
     */
    abstract byte[] inverse(byte[] key, byte[] total, byte[] removed) throws Exception;

    private final String name;

    private Reduction(String name) {
        this.name = name;
    }

    /** @return the reduction's name: a built-in's, or the user class's */
    final String name() {
        return name;
    }

    /** @return the value a map function's output record contributes */
    abstract Object lift(byte[] key, byte[] value) throws Exception;

    /** @return a partial result as written by {@link #write} */
    abstract Object read(byte[] key, byte[] value) throws Exception;

    abstract Object merge(byte[] key, Object left, Object right) throws Exception;

    abstract byte[] write(Object value);

    /** Keys compared by content; {@code null} is a key of its own. */
    private static final class Key {
        final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = bytes == null ? -1 : Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private interface LongOp {
        long apply(long a, long b);
    }

    private static final class Arithmetic extends Reduction {
        private final LongOp op;
        private final boolean counts;

        Arithmetic(String name, LongOp op, boolean counts) {
            super(name);
            this.op = op;
            this.counts = counts;
        }

        @Override
        Object lift(byte[] key, byte[] value) {
            return counts ? 1L : read(key, value);
        }

        @Override
        Object read(byte[] key, byte[] value) {
            if (value == null) {
                throw new IllegalArgumentException(name() + " needs a decimal integer value; key " + show(key)
                        + " has a record with no value");
            }
            String text = new String(value, StandardCharsets.UTF_8).trim();
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name() + " needs a decimal integer value; key " + show(key)
                        + " has '" + clip(text) + "'");
            }
        }

        @Override
        Object merge(byte[] key, Object left, Object right) {
            try {
                return op.apply((Long) left, (Long) right);
            } catch (ArithmeticException e) {
                throw new ArithmeticException(name() + " of key " + show(key) + " overflows a long");
            }
        }

        @Override
        byte[] write(Object value) {
            return Long.toString((Long) value).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        boolean invertible() {
            return counts || "sum".equals(name());
        }

        @Override
        byte[] inverse(byte[] key, byte[] total, byte[] removed) {
            if (!invertible()) {
                throw new UnsupportedOperationException(name() + " has no inverse");
            }
            try {
                return write(Math.subtractExact((Long) read(key, total), (Long) read(key, removed)));
            } catch (ArithmeticException e) {
                throw new ArithmeticException(name() + " of key " + show(key) + " overflows a long");
            }
        }

        private static String show(byte[] key) {
            if (key == null) {
                return "(none)";
            }
            return "'" + clip(new String(key, StandardCharsets.UTF_8)) + "'";
        }

        private static String clip(String text) {
            return text.length() > 40 ? text.substring(0, 40) + "..." : text;
        }
    }

    private static final class User extends Reduction {
        private final Reducer reducer;

        User(String name, Reducer reducer) {
            super(name);
            this.reducer = reducer;
        }

        @Override
        Object lift(byte[] key, byte[] value) {
            return value;
        }

        @Override
        Object read(byte[] key, byte[] value) {
            return value;
        }

        @Override
        Object merge(byte[] key, Object left, Object right) throws Exception {
            return reducer.reduce(key, (byte[]) left, (byte[]) right);
        }

        @Override
        byte[] write(Object value) {
            return (byte[]) value;
        }

        @Override
        boolean invertible() {
            return reducer instanceof InvertibleReducer;
        }

        @Override
        byte[] inverse(byte[] key, byte[] total, byte[] removed) throws Exception {
            if (!(reducer instanceof InvertibleReducer invertible)) {
                throw new UnsupportedOperationException(name() + " does not implement " + InvertibleReducer.class.getName());
            }
            return invertible.inverse(key, total, removed);
        }
    }
}
