package io.sluice.sql;

import org.apache.calcite.sql.JoinConditionType;
import org.apache.calcite.sql.JoinType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlBasicVisitor;

/**
 * Finds what the stage engine does not run, before validation, so the error can point at it:
 * ORDER BY and LIMIT (a stream's batches have no order across partitions), set operations,
 * subqueries, OVER windows, grouping sets, and joins of anything but the stream with one table.
 */
final class Unsupported extends SqlBasicVisitor<Void> {

    private int depth;

    private Unsupported() {
    }

    static void check(SqlNode query) throws SqlCompileException {
        try {
            query.accept(new Unsupported());
        } catch (Found f) {
            throw f.error;
        }
    }

    @Override
    public Void visit(SqlCall call) {
        if (call instanceof SqlOrderBy order) {
            if (order.orderList != null && order.orderList.size() > 0) {
                throw found("ORDER BY is not supported: each batch's rows are written as they are computed; sort them"
                        + " where you read them", order.orderList.getParserPosition());
            }
            throw found("LIMIT and OFFSET are not supported in a pipeline", pos(order.fetch, order.offset, order));
        }
        SqlKind kind = call.getKind();
        switch (kind) {
            case UNION, INTERSECT, EXCEPT -> throw found(kind + " is not supported: run one query per pipeline",
                    call.getParserPosition());
            case OVER -> throw found("OVER windows are not supported: use GROUP BY TUMBLE(rowtime, ...) or HOP(...)",
                    call.getParserPosition());
            case GROUPING_SETS, ROLLUP, CUBE -> throw found(kind + " is not supported: group by plain columns",
                    call.getParserPosition());
            case SESSION -> throw found("SESSION windows are not supported: use TUMBLE or HOP", call.getParserPosition());
            default -> {
            }
        }
        if (call instanceof SqlSelect select) {
            if (depth > 0) {
                throw found("subqueries are not supported", select.getParserPosition());
            }
            SqlNode from = select.getFrom();
            if (from instanceof SqlJoin join) {
                checkJoin(join);
            }
            if (from != null && (from.getKind() == SqlKind.SELECT || from.getKind() == SqlKind.AS
                    && ((SqlCall) from).operand(0).getKind() == SqlKind.SELECT)) {
                throw found("subqueries are not supported", from.getParserPosition());
            }
            depth++;
            try {
                return super.visit(call);
            } finally {
                depth--;
            }
        }
        return super.visit(call);
    }

    /** A join is of the stream (left) with a table (right), INNER or LEFT, ON a condition. */
    private static void checkJoin(SqlJoin join) {
        if (join.getRight().getKind() == SqlKind.UNNEST || join.getRight().getKind() == SqlKind.AS
                && ((SqlCall) join.getRight()).operand(0).getKind() == SqlKind.UNNEST) {
            return; // CROSS JOIN UNNEST(SPLIT(...)): checked when translated
        }
        if (join.getLeft() instanceof SqlJoin) {
            throw found("JOIN of more than one table is not supported yet: join one table per query",
                    join.getLeft().getParserPosition());
        }
        if (!name(join.getLeft()) || !name(join.getRight())) {
            throw found("JOIN is supported between the input topic and a table, not a subquery",
                    join.getParserPosition());
        }
        JoinType type = join.getJoinType();
        if (type != JoinType.INNER && type != JoinType.LEFT) {
            throw found(type + " JOIN is not supported: use JOIN or LEFT JOIN, the table on the right",
                    join.getParserPosition());
        }
        if (join.getConditionType() != JoinConditionType.ON) {
            throw found("a JOIN needs ON stream_column = table.key", join.getParserPosition());
        }
    }

    private static boolean name(SqlNode node) {
        return node.getKind() == SqlKind.IDENTIFIER
                || node.getKind() == SqlKind.AS && ((SqlCall) node).operand(0).getKind() == SqlKind.IDENTIFIER;
    }

    @Override
    public Void visit(SqlNodeList list) {
        for (SqlNode node : list) {
            if (node != null) {
                node.accept(this);
            }
        }
        return null;
    }

    private static SqlParserPos pos(SqlNode a, SqlNode b, SqlNode whole) {
        return a != null ? a.getParserPosition() : b != null ? b.getParserPosition() : whole.getParserPosition();
    }

    private static Found found(String reason, SqlParserPos pos) {
        return new Found(new SqlCompileException(reason, pos.getLineNum(), pos.getColumnNum()));
    }

    private static final class Found extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient SqlCompileException error;

        Found(SqlCompileException error) {
            super(null, null, false, false);
            this.error = error;
        }
    }
}
