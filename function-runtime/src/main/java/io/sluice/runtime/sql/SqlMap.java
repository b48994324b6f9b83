package io.sluice.runtime.sql;

import io.sluice.core.registry.BuiltIns;
import io.sluice.core.sql.MalformedRowException;
import io.sluice.core.sql.SqlPlan;
import io.sluice.core.table.Tables;
import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first stage of a SQL pipeline: each record becomes a row of the input schema, goes through
 * the query's filters and projections, and is either written (a query without GROUP BY) or folded
 * into its group's partial aggregates, which are emitted once per group, keyed by the group key,
 * for the shuffle. A record that does not fit the schema, or on which an expression fails, makes
 * the task fail with a message naming the record; the engine then isolates it and dead-letters it
 * with that message.
 */
public final class SqlMap implements BatchFunction, UsesTables {

    private SqlPlan plan;
    private BroadcastTables tables;

    @Override
    public void useTables(Tables store) {
        tables = new BroadcastTables(store);
    }

    @Override
    public void open(FunctionContext context) {
        plan = plan(context);
    }

    static SqlPlan plan(FunctionContext context) {
        String text = context.parameters().get(BuiltIns.SQL_PLAN);
        if (text == null) {
            throw new IllegalStateException("pipeline " + context.pipeline() + " has no '" + BuiltIns.SQL_PLAN
                    + "' parameter: it was not made from SQL");
        }
        return SqlPlan.decode(text);
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        Map<ByteBuffer, Object[]> groups = plan.grouped() ? new LinkedHashMap<>() : null;
        List<SqlPlan.Join> joins = plan.joins();
        SqlPlan.TableLookup lookup = joins.isEmpty() ? SqlPlan.TableLookup.NONE : tables().refresh(joins);
        for (Record record : batch) {
            Object[] input;
            try {
                input = plan.input().row(record.value(), batch.batchTime());
            } catch (MalformedRowException e) {
                throw new BadRecordException(record, e);
            }
            try {
                plan.map(input, lookup, row -> {
                    if (groups == null) {
                        out.emit(record.key(), plan.outputValue(row));
                    } else {
                        plan.grouping().add(groups.computeIfAbsent(ByteBuffer.wrap(plan.grouping().key(row)),
                                k -> plan.grouping().start()), row);
                    }
                });
            } catch (ArithmeticException | IllegalArgumentException | ClassCastException e) {
                throw new BadRecordException(record, e);
            }
        }
        if (groups != null) {
            groups.forEach((key, partials) -> out.emit(key.array(), plan.grouping().writePartials(partials)));
        }
    }

    private BroadcastTables tables() {
        if (tables == null) {
            throw new IllegalStateException("this runtime gave the SQL stage no tables to join");
        }
        return tables;
    }

    /** A record the query cannot take; the message says which record and why. */
    static final class BadRecordException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRecordException(Record record, Exception cause) {
            super(record.topic() + "-" + record.sourcePartition() + "@" + record.offset() + ": " + reason(cause), cause);
        }

        private static String reason(Exception e) {
            if (e instanceof MalformedRowException) {
                return e.getMessage();
            }
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
