package io.sluice.sql;

import io.sluice.core.sql.AggCall;
import io.sluice.core.sql.Expr;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.sql.Op;
import io.sluice.core.sql.SqlPlan;
import io.sluice.core.sql.SqlPlan.Grouping;
import io.sluice.core.sql.SqlPlan.RowOp;
import io.sluice.core.sql.SqlType;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Correlate;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Uncollect;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexCorrelVariable;
import org.apache.calcite.rex.RexFieldAccess;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeName;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Translates Calcite's relational plan of a query into a {@link SqlPlan}. The plan must be a chain
 * over the one table: filters and projections, at most one aggregate, then filters (HAVING) and
 * projections. Anything else (a join, a sort, a union, a values list) is refused by name.
 */
final class RelTranslator {

    private static final Map<String, Op> FUNCTIONS = Map.of(
            "UPPER", Op.UPPER, "LOWER", Op.LOWER, "CHAR_LENGTH", Op.CHAR_LENGTH, "CHARACTER_LENGTH", Op.CHAR_LENGTH,
            "SUBSTRING", Op.SUBSTRING, "ABS", Op.ABS, "||", Op.CONCAT, "SPLIT", Op.SPLIT);

    /** The column a table's key reads as. */
    static final String TABLE_KEY = "key";

    private final String sql;
    private final String topic;
    private final InputSchema schema;
    private final Map<String, InputSchema> tables;
    private final long intervalMs;
    private final List<RowOp> before = new ArrayList<>();
    private final List<RowOp> after = new ArrayList<>();
    private Grouping grouping;
    /** Window group columns of the projection just below the aggregate: index to {length, slide}. */
    private final Map<Integer, long[]> windows = new HashMap<>();
    private RexBuilder rexBuilder;

    RelTranslator(String sql, String topic, InputSchema schema, Map<String, InputSchema> tables, long intervalMs) {
        this.sql = sql;
        this.topic = topic;
        this.schema = schema;
        this.tables = tables;
        this.intervalMs = intervalMs;
    }

    SqlPlan translate(RelNode rel, List<String> names) throws SqlCompileException {
        rexBuilder = rel.getCluster().getRexBuilder();
        visit(rel);
        List<SqlType> types = new ArrayList<>();
        for (var field : rel.getRowType().getFieldList()) {
            types.add(type(field.getType(), field.getName()));
        }
        return new SqlPlan(sql, schema, before, grouping, after, names, types);
    }

    private void visit(RelNode rel) throws SqlCompileException {
        if (rel instanceof TableScan scan) {
            String name = tableName(scan);
            if (!name.equalsIgnoreCase(topic)) {
                throw unsupported("reading table '" + name + "' on its own: a query reads its input topic, and joins tables");
            }
            return;
        }
        if (rel instanceof Join join) {
            join(join);
            return;
        }
        if (rel instanceof Correlate correlate) {
            unnest(correlate);
            return;
        }
        if (rel.getInputs().size() != 1) {
            throw unsupported(describe(rel));
        }
        visit(rel.getInput(0));
        List<RowOp> ops = grouping == null ? before : after;
        if (rel instanceof Filter filter) {
            ops.add(RowOp.filter(expr(filter.getCondition())));
        } else if (rel instanceof Project project) {
            List<Expr> exprs = new ArrayList<>();
            windows.clear();
            for (int i = 0; i < project.getProjects().size(); i++) {
                RexNode e = project.getProjects().get(i);
                long[] window = grouping == null ? window(e) : null;
                if (window != null) {
                    windows.put(i, window);
                    exprs.add(new Expr.Lit(null, SqlType.TIMESTAMP)); // the engine's window, not a value
                } else {
                    exprs.add(expr(e));
                }
            }
            ops.add(RowOp.project(exprs));
        } else if (rel instanceof Aggregate aggregate) {
            if (grouping != null) {
                throw unsupported("an aggregate over an aggregate");
            }
            grouping = grouping(aggregate);
        } else {
            throw unsupported(describe(rel));
        }
        if (!(rel instanceof Project) && !windows.isEmpty() && !(rel instanceof Aggregate)) {
            windows.clear();
        }
    }

    /** A stream-table join: the left side is the stream, the right side a table, ON a key equality. */
    private void join(Join join) throws SqlCompileException {
        if (grouping != null) {
            throw unsupported("a JOIN after GROUP BY");
        }
        visit(join.getLeft());
        if (!(join.getRight() instanceof TableScan scan)) {
            throw unsupported("a JOIN whose right side is not a table");
        }
        String name = tableName(scan);
        InputSchema table = tables.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> unsupported("joining '" + name + "', which is not a table: put the table on the right"));
        JoinRelType type = join.getJoinType();
        if (type != JoinRelType.INNER && type != JoinRelType.LEFT) {
            throw unsupported(type + " JOIN");
        }
        int leftWidth = join.getLeft().getRowType().getFieldCount();
        RexNode key = null;
        if (join.getCondition() instanceof RexCall eq && eq.getKind() == SqlKind.EQUALS) {
            for (int side = 0; side < 2 && key == null; side++) {
                RexNode tableSide = strip(eq.getOperands().get(1 - side));
                RexNode streamSide = eq.getOperands().get(side);
                if (tableSide instanceof RexInputRef ref && ref.getIndex() == leftWidth
                        && maxInput(streamSide) < leftWidth) {
                    key = streamSide;
                }
            }
        }
        if (key == null) {
            throw unsupported("a JOIN condition other than stream_column = " + name + "." + TABLE_KEY);
        }
        before.add(RowOp.join(new SqlPlan.Join(name, expr(key), table, type == JoinRelType.LEFT)));
    }

    /**
     * {@code CROSS JOIN UNNEST(array)}: the stream's row, then each element of the array. After
     * Calcite's decorrelation the array is a column of the left side ({@code $cor.$fN}), and the
     * right side may filter or project the element: those run on the joined row, shifted past the
     * left side's columns.
     */
    private void unnest(Correlate correlate) throws SqlCompileException {
        if (grouping != null) {
            throw unsupported("UNNEST after GROUP BY");
        }
        if (correlate.getJoinType() != JoinRelType.INNER) {
            throw unsupported(correlate.getJoinType() + " JOIN UNNEST; use CROSS JOIN UNNEST");
        }
        visit(correlate.getLeft());
        int leftWidth = correlate.getLeft().getRowType().getFieldCount();
        List<RelNode> chain = new ArrayList<>();
        RelNode right = correlate.getRight();
        while (right instanceof Filter || right instanceof Project) {
            chain.add(0, right);
            right = right.getInput(0);
        }
        if (!(right instanceof Uncollect uncollect) || uncollect.withOrdinality
                || !(uncollect.getInput() instanceof Project array) || array.getProjects().size() != 1
                || !(array.getInput() instanceof org.apache.calcite.rel.core.Values)) {
            throw unsupported("this UNNEST (only CROSS JOIN UNNEST(SPLIT(text, delimiter)) AS t(part) is)");
        }
        RexShuttle uncorrelate = new RexShuttle() {
            @Override
            public RexNode visitFieldAccess(RexFieldAccess access) {
                if (access.getReferenceExpr() instanceof RexCorrelVariable) {
                    return rexBuilder.makeInputRef(access.getType(), access.getField().getIndex());
                }
                return super.visitFieldAccess(access);
            }
        };
        Expr elements = expr(array.getProjects().get(0).accept(uncorrelate));
        if (elements.type() != SqlType.ARRAY) {
            throw unsupported("UNNEST of a " + elements.type());
        }
        before.add(RowOp.explode(new SqlPlan.Explode(elements)));
        for (RelNode op : chain) {
            if (op instanceof Filter f) {
                before.add(RowOp.filter(expr(RexUtil.shift(f.getCondition(), leftWidth))));
            } else {
                List<Expr> exprs = new ArrayList<>();
                List<RelDataType> left = correlate.getLeft().getRowType().getFieldList().stream().map(x -> x.getType()).toList();
                for (int i = 0; i < leftWidth; i++) {
                    exprs.add(new Expr.Ref(i, type(left.get(i), "column " + i)));
                }
                for (RexNode e : ((Project) op).getProjects()) {
                    exprs.add(expr(RexUtil.shift(e, leftWidth)));
                }
                before.add(RowOp.project(exprs));
            }
        }
    }

    private static RexNode strip(RexNode node) {
        return node.getKind() == SqlKind.CAST ? ((RexCall) node).getOperands().get(0) : node;
    }

    private static int maxInput(RexNode node) {
        int max = -1;
        for (int i : org.apache.calcite.plan.RelOptUtil.InputFinder.bits(node)) {
            max = Math.max(max, i);
        }
        return max;
    }

    private static String tableName(TableScan scan) {
        List<String> names = scan.getTable().getQualifiedName();
        return names.get(names.size() - 1);
    }

    private Grouping grouping(Aggregate aggregate) throws SqlCompileException {
        if (aggregate.getGroupType() != Aggregate.Group.SIMPLE) {
            throw unsupported("grouping sets");
        }
        List<Integer> keys = new ArrayList<>();
        List<SqlType> keyTypes = new ArrayList<>();
        List<RelDataType> inputTypes = aggregate.getInput().getRowType().getFieldList().stream().map(f -> f.getType()).toList();
        int slot = -1;
        long length = 0;
        long slide = 0;
        int position = 0;
        for (int index : aggregate.getGroupSet()) {
            long[] window = windows.get(index);
            if (window != null) {
                if (slot >= 0) {
                    throw unsupported("grouping by two windows");
                }
                slot = position;
                length = window[0];
                slide = window[1];
            } else {
                SqlType keyType = type(inputTypes.get(index), "group column " + index);
                if (keyType == SqlType.ARRAY) {
                    throw unsupported("grouping by an ARRAY");
                }
                keys.add(index);
                keyTypes.add(keyType);
            }
            position++;
        }
        List<AggCall> calls = new ArrayList<>();
        for (AggregateCall call : aggregate.getAggCallList()) {
            calls.add(aggCall(call, inputTypes));
        }
        windows.clear();
        return new Grouping(keys, keyTypes, slot, length, slide, calls);
    }

    private AggCall aggCall(AggregateCall call, List<RelDataType> inputTypes) throws SqlCompileException {
        String name = call.getAggregation().getName();
        if (call.filterArg >= 0) {
            throw unsupported("FILTER on an aggregate (" + name + ")");
        }
        if (call.getArgList().size() > 1) {
            throw unsupported(name + " over more than one column");
        }
        int arg = call.getArgList().isEmpty() ? -1 : call.getArgList().get(0);
        SqlType argType = arg < 0 ? SqlType.BIGINT : type(inputTypes.get(arg), name + "'s argument");
        if (argType == SqlType.ARRAY) {
            throw unsupported(name + " over an ARRAY");
        }
        SqlType result = type(call.getType(), name);
        SqlKind kind = call.getAggregation().getKind();
        if (call.isDistinct() && kind != SqlKind.COUNT) {
            throw unsupported(name + "(DISTINCT ...); only COUNT(DISTINCT ...) is");
        }
        AggCall.Kind k = switch (kind) {
            case COUNT -> call.isDistinct() ? AggCall.Kind.COUNT_DISTINCT : AggCall.Kind.COUNT;
            case SUM, SUM0 -> AggCall.Kind.SUM;
            case AVG -> AggCall.Kind.AVG;
            case MIN -> AggCall.Kind.MIN;
            case MAX -> AggCall.Kind.MAX;
            default -> throw unsupported("the aggregate function " + name);
        };
        if ((k == AggCall.Kind.SUM || k == AggCall.Kind.AVG) && !argType.numeric()) {
            throw unsupported(name + " over a " + argType);
        }
        return new AggCall(k, arg, argType, result);
    }

    /** @return {length, slide} if {@code e} is a TUMBLE or HOP group window over rowtime, else null */
    private long[] window(RexNode e) throws SqlCompileException {
        if (!(e instanceof RexCall call)) {
            return null;
        }
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (!name.equals("$TUMBLE") && !name.equals("$HOP")) {
            return null;
        }
        boolean tumble = name.equals("$TUMBLE");
        int arity = tumble ? 2 : 3;
        if (call.getOperands().size() != arity) {
            throw unsupported((tumble ? "TUMBLE" : "HOP") + " with an alignment");
        }
        RexNode time = call.getOperands().get(0);
        if (!(time instanceof RexInputRef ref) || ref.getIndex() != schema.columns().size()) {
            throw unsupported((tumble ? "TUMBLE" : "HOP") + " over anything but " + InputSchema.ROWTIME
                    + " (the batch time)");
        }
        long first = millis(call.getOperands().get(1));
        long size = tumble ? first : millis(call.getOperands().get(2));
        long slide = tumble ? first : first;
        if (size % intervalMs != 0 || slide % intervalMs != 0 || size <= 0 || slide <= 0) {
            throw new SqlCompileException("window of " + size + " ms sliding by " + slide + " ms must be a multiple of "
                    + "the batch interval of " + intervalMs + " ms in size and in slide", 0, 0);
        }
        if (size < slide) {
            throw new SqlCompileException("HOP's size " + size + " ms is shorter than its slide " + slide + " ms", 0, 0);
        }
        return new long[] {size, slide};
    }

    private long millis(RexNode node) throws SqlCompileException {
        if (node instanceof RexLiteral lit && lit.getValueAs(BigDecimal.class) != null) {
            return lit.getValueAs(BigDecimal.class).longValueExact();
        }
        throw unsupported("a window size that is not a constant interval");
    }

    private Expr expr(RexNode node) throws SqlCompileException {
        RexNode e = RexUtil.expandSearch(rexBuilder, null, node);
        if (e instanceof RexInputRef ref) {
            return new Expr.Ref(ref.getIndex(), type(ref.getType(), "column " + ref.getIndex()));
        }
        if (e instanceof RexLiteral lit) {
            return literal(lit);
        }
        if (!(e instanceof RexCall call)) {
            throw unsupported("the expression " + e);
        }
        SqlType type = type(call.getType(), call.getOperator().getName());
        List<Expr> args = new ArrayList<>();
        for (RexNode operand : call.getOperands()) {
            args.add(expr(operand));
        }
        SqlKind kind = call.getKind();
        Op op = switch (kind) {
            case PLUS, CHECKED_PLUS -> Op.PLUS;
            case MINUS, CHECKED_MINUS -> Op.MINUS;
            case TIMES, CHECKED_TIMES -> Op.TIMES;
            case DIVIDE, CHECKED_DIVIDE -> Op.DIVIDE;
            case MOD -> Op.MOD;
            case MINUS_PREFIX -> Op.NEGATE;
            case PLUS_PREFIX -> null;
            case EQUALS -> Op.EQUALS;
            case NOT_EQUALS -> Op.NOT_EQUALS;
            case LESS_THAN -> Op.LESS_THAN;
            case LESS_THAN_OR_EQUAL -> Op.LESS_THAN_OR_EQUAL;
            case GREATER_THAN -> Op.GREATER_THAN;
            case GREATER_THAN_OR_EQUAL -> Op.GREATER_THAN_OR_EQUAL;
            case AND -> Op.AND;
            case OR -> Op.OR;
            case NOT -> Op.NOT;
            case IS_NULL -> Op.IS_NULL;
            case IS_NOT_NULL -> Op.IS_NOT_NULL;
            case IS_TRUE -> Op.IS_TRUE;
            case IS_NOT_TRUE -> Op.IS_NOT_TRUE;
            case IS_FALSE -> Op.IS_FALSE;
            case IS_NOT_FALSE -> Op.IS_NOT_FALSE;
            case CAST -> Op.CAST;
            case CASE -> Op.CASE;
            case COALESCE -> Op.COALESCE;
            case LIKE -> call.getOperands().size() == 2 ? (((org.apache.calcite.sql.fun.SqlLikeOperator) call.getOperator())
                    .isNegated() ? Op.NOT_LIKE : Op.LIKE) : null;
            case FLOOR, CEIL -> call.getOperands().size() == 1 ? (kind == SqlKind.FLOOR ? Op.FLOOR : Op.CEIL) : null;
            default -> FUNCTIONS.get(call.getOperator().getName().toUpperCase(Locale.ROOT));
        };
        if (kind == SqlKind.PLUS_PREFIX) {
            return args.get(0);
        }
        if (op == null) {
            throw unsupported("the operator " + call.getOperator().getName() + (kind == SqlKind.LIKE ? " with ESCAPE" : ""));
        }
        return new Expr.Call(op, args, type);
    }

    private Expr literal(RexLiteral lit) throws SqlCompileException {
        SqlTypeName name = lit.getType().getSqlTypeName();
        if (lit.isNull()) {
            return new Expr.Lit(null, name == SqlTypeName.NULL ? SqlType.VARCHAR : type(lit.getType(), "NULL"));
        }
        SqlType type = type(lit.getType(), "literal " + lit);
        if (type == SqlType.ARRAY) {
            throw unsupported("an ARRAY literal");
        }
        Object value = switch (type) {
            case ARRAY -> null;
            case VARCHAR -> lit.getValueAs(String.class);
            case BIGINT -> lit.getValueAs(BigDecimal.class).longValue();
            case DOUBLE -> lit.getValueAs(BigDecimal.class).doubleValue();
            case BOOLEAN -> lit.getValueAs(Boolean.class);
            case TIMESTAMP -> lit.getValueAs(Long.class);
        };
        return new Expr.Lit(value, type);
    }

    private static SqlType type(RelDataType t, String what) throws SqlCompileException {
        SqlTypeName name = t.getSqlTypeName();
        switch (name) {
            case CHAR, VARCHAR:
                return SqlType.VARCHAR;
            case TINYINT, SMALLINT, INTEGER, BIGINT:
                return SqlType.BIGINT;
            case DECIMAL:
                return t.getScale() == 0 ? SqlType.BIGINT : SqlType.DOUBLE;
            case FLOAT, REAL, DOUBLE:
                return SqlType.DOUBLE;
            case BOOLEAN:
                return SqlType.BOOLEAN;
            case TIMESTAMP:
                return SqlType.TIMESTAMP;
            case ARRAY:
                if (t.getComponentType() != null && t.getComponentType().getSqlTypeName().getFamily()
                        == org.apache.calcite.sql.type.SqlTypeFamily.CHARACTER) {
                    return SqlType.ARRAY;
                }
                throw unsupported("an ARRAY of " + t.getComponentType() + " (of " + what + "); only SPLIT's arrays of text");
            default:
                if (name.getFamily() == org.apache.calcite.sql.type.SqlTypeFamily.INTERVAL_DAY_TIME) {
                    return SqlType.BIGINT;
                }
                throw unsupported("the type " + name + " (of " + what + ")");
        }
    }

    private static String describe(RelNode rel) {
        String type = rel.getRelTypeName().replace("Logical", "");
        return switch (type) {
            case "Sort" -> "ORDER BY and LIMIT";
            case "Correlate" -> "a correlated subquery";
            case "Uncollect" -> "UNNEST of anything but SPLIT(text, delimiter)";
            case "Union", "Intersect", "Minus" -> type.toUpperCase(Locale.ROOT);
            case "Values" -> "a query without a table (VALUES)";
            case "Window" -> "OVER windows";
            default -> "the relational operator " + type;
        };
    }

    private static SqlCompileException unsupported(String what) {
        return new SqlCompileException(what + " is not supported", 0, 0);
    }
}
