package io.sluice.core.sql;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The operators a SQL pipeline evaluates. Arithmetic is over {@code Long} when both sides are
 * BIGINT (or TIMESTAMP plus an interval in milliseconds) and over {@code Double} otherwise;
 * integer division truncates, and dividing an integer by zero is an {@link ArithmeticException}
 * (the record goes to the dead-letter topic), as SQL says.
 */
public enum Op {
    PLUS(2), MINUS(2), TIMES(2), DIVIDE(2), MOD(2), NEGATE(1),
    EQUALS(2), NOT_EQUALS(2), LESS_THAN(2), LESS_THAN_OR_EQUAL(2), GREATER_THAN(2), GREATER_THAN_OR_EQUAL(2),
    AND(-1), OR(-1), NOT(1),
    IS_NULL(1), IS_NOT_NULL(1), IS_TRUE(1), IS_NOT_TRUE(1), IS_FALSE(1), IS_NOT_FALSE(1),
    CAST(1), CASE(-1), COALESCE(-1),
    LIKE(2), NOT_LIKE(2), CONCAT(2), UPPER(1), LOWER(1), CHAR_LENGTH(1), SUBSTRING(-1), TRIM(1),
    ABS(1), FLOOR(1), CEIL(1), SPLIT(2);

    private static final Map<String, Pattern> LIKE_PATTERNS = new ConcurrentHashMap<>();

    private final int arity;

    Op(int arity) {
        this.arity = arity;
    }

    void checkArity(int n) {
        if (arity >= 0 && n != arity) {
            throw new IllegalArgumentException(this + " takes " + arity + " argument(s), was given " + n);
        }
    }

    Object apply(Expr.Call call, Object[] row) {
        List<Expr> args = call.args();
        switch (this) {
            case AND: {
                boolean unknown = false;
                for (Expr a : args) {
                    Object v = a.eval(row);
                    if (Boolean.FALSE.equals(v)) {
                        return false;
                    }
                    unknown |= v == null;
                }
                return unknown ? null : true;
            }
            case OR: {
                boolean unknown = false;
                for (Expr a : args) {
                    Object v = a.eval(row);
                    if (Boolean.TRUE.equals(v)) {
                        return true;
                    }
                    unknown |= v == null;
                }
                return unknown ? null : false;
            }
            case CASE: {
                // WHEN c1 THEN v1 ... [ELSE e]
                int i = 0;
                for (; i + 1 < args.size(); i += 2) {
                    if (Boolean.TRUE.equals(args.get(i).eval(row))) {
                        return args.get(i + 1).eval(row);
                    }
                }
                return i < args.size() ? args.get(i).eval(row) : null;
            }
            case COALESCE: {
                for (Expr a : args) {
                    Object v = a.eval(row);
                    if (v != null) {
                        return Values.coerce(v, call.type());
                    }
                }
                return null;
            }
            case IS_NULL:
                return args.get(0).eval(row) == null;
            case IS_NOT_NULL:
                return args.get(0).eval(row) != null;
            case IS_TRUE:
                return Boolean.TRUE.equals(args.get(0).eval(row));
            case IS_NOT_TRUE:
                return !Boolean.TRUE.equals(args.get(0).eval(row));
            case IS_FALSE:
                return Boolean.FALSE.equals(args.get(0).eval(row));
            case IS_NOT_FALSE:
                return !Boolean.FALSE.equals(args.get(0).eval(row));
            default:
                break;
        }
        Object a = args.get(0).eval(row);
        if (a == null && this != SUBSTRING) {
            return null;
        }
        if (arity == 1) {
            return unary(a, call);
        }
        if (this == SUBSTRING) {
            return substring(call, row, a);
        }
        Object b = args.get(1).eval(row);
        if (b == null) {
            return null;
        }
        return binary(a, b, call);
    }

    private Object unary(Object a, Expr.Call call) {
        return switch (this) {
            case NEGATE -> a instanceof Long l ? Math.negateExact(l) : -((Number) a).doubleValue();
            case NOT -> !(Boolean) a;
            case CAST -> Values.cast(a, call.args().get(0).type(), call.type());
            case UPPER -> ((String) a).toUpperCase(Locale.ROOT);
            case LOWER -> ((String) a).toLowerCase(Locale.ROOT);
            case CHAR_LENGTH -> (long) ((String) a).codePointCount(0, ((String) a).length());
            case TRIM -> ((String) a).strip();
            case ABS -> a instanceof Long l ? Math.absExact(l) : Math.abs(((Number) a).doubleValue());
            case FLOOR -> a instanceof Long ? a : Math.floor(((Number) a).doubleValue());
            case CEIL -> a instanceof Long ? a : Math.ceil(((Number) a).doubleValue());
            default -> throw new IllegalStateException(this + " is not unary");
        };
    }

    private Object binary(Object a, Object b, Expr.Call call) {
        switch (this) {
            case EQUALS:
                return Values.compare(a, b) == 0;
            case NOT_EQUALS:
                return Values.compare(a, b) != 0;
            case LESS_THAN:
                return Values.compare(a, b) < 0;
            case LESS_THAN_OR_EQUAL:
                return Values.compare(a, b) <= 0;
            case GREATER_THAN:
                return Values.compare(a, b) > 0;
            case GREATER_THAN_OR_EQUAL:
                return Values.compare(a, b) >= 0;
            case CONCAT:
                return Values.text(a) + Values.text(b);
            case LIKE:
                return like((String) a, (String) b);
            case SPLIT:
                return split((String) a, (String) b);
            case NOT_LIKE:
                return !like((String) a, (String) b);
            default:
                break;
        }
        if (a instanceof Long x && b instanceof Long y && call.type() != SqlType.DOUBLE) {
            return switch (this) {
                case PLUS -> Math.addExact(x, y);
                case MINUS -> Math.subtractExact(x, y);
                case TIMES -> Math.multiplyExact(x, y);
                case DIVIDE -> x / y;
                case MOD -> x % y;
                default -> throw new IllegalStateException(this + " is not arithmetic");
            };
        }
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        return switch (this) {
            case PLUS -> x + y;
            case MINUS -> x - y;
            case TIMES -> x * y;
            case DIVIDE -> x / y;
            case MOD -> x % y;
            default -> throw new IllegalStateException(this + " is not arithmetic");
        };
    }

    private static Object substring(Expr.Call call, Object[] row, Object a) {
        List<Expr> args = call.args();
        Object start = args.get(1).eval(row);
        Object length = args.size() > 2 ? args.get(2).eval(row) : null;
        if (a == null || start == null || (args.size() > 2 && length == null)) {
            return null;
        }
        String s = (String) a;
        long from = Math.max(1, ((Number) start).longValue());
        long until = args.size() > 2 ? ((Number) start).longValue() + ((Number) length).longValue() : s.length() + 1L;
        if (until <= from || from > s.length()) {
            return "";
        }
        return s.substring((int) from - 1, (int) Math.min(s.length(), until - 1));
    }

    /** {@code SPLIT(text, delimiter)}: the parts between the delimiters, empty ones too; the whole text for an empty delimiter. */
    static List<String> split(String text, String delimiter) {
        List<String> parts = new java.util.ArrayList<>();
        int from = 0;
        while (true) {
            int at = delimiter.isEmpty() ? -1 : text.indexOf(delimiter, from);
            parts.add(at < 0 ? text.substring(from) : text.substring(from, at));
            if (at < 0) {
                return parts;
            }
            from = at + delimiter.length();
        }
    }

    /** SQL LIKE: {@code %} any run, {@code _} any one character; no escape character. */
    static boolean like(String value, String pattern) {
        Pattern compiled = LIKE_PATTERNS.get(pattern);
        if (compiled == null) {
            compiled = likePattern(pattern);
            if (LIKE_PATTERNS.size() < 1000) {
                LIKE_PATTERNS.put(pattern, compiled);
            }
        }
        return compiled.matcher(value).matches();
    }

    private static Pattern likePattern(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '%' ? ".*" : c == '_' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
