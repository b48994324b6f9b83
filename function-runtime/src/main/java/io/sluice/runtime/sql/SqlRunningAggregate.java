package io.sluice.runtime.sql;

import io.sluice.core.sql.SqlPlan;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.KeyState;
import io.sluice.function.StateFunction;

import java.util.List;

/**
 * The stage after the shuffle of a SQL pipeline whose GROUP BY runs over every batch so far: each
 * group's state is its merged partial aggregates, durable in the pipeline's changelog like any
 * state; a batch merges its partials in and writes the group's new row (if HAVING keeps it). So the
 * output topic, and a table that follows it, always hold each group's total since the start.
 */
public final class SqlRunningAggregate implements StateFunction {

    private SqlPlan plan;

    @Override
    public void open(FunctionContext context) {
        plan = SqlMap.plan(context);
        if (!plan.grouped() || plan.grouping().windowed()) {
            throw new IllegalStateException("the SQL plan of pipeline " + context.pipeline()
                    + " is not a GROUP BY without a window, so it cannot run over every batch");
        }
    }

    @Override
    public void update(byte[] key, List<byte[]> values, KeyState state, Emitter out) {
        if (values.isEmpty()) {
            return; // a running aggregate has no timeout; nothing new for this key
        }
        Object[] merged = state.exists() ? plan.grouping().readPartials(state.get()) : plan.grouping().start();
        for (byte[] v : values) {
            plan.grouping().merge(merged, plan.grouping().readPartials(v));
        }
        state.set(plan.grouping().writePartials(merged));
        Object[] row = plan.finish(key, merged, 0);
        if (row != null) {
            out.emit(plan.outputKey(key), plan.outputValue(row));
        }
    }
}
