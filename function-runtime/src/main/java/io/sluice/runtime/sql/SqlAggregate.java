package io.sluice.runtime.sql;

import io.sluice.core.sql.SqlPlan;
import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stage after a SQL pipeline's shuffle: it merges each group's partial aggregates from every map
 * task (and, for a windowed query, from every batch in the window, which the engine hands it as
 * one batch whose time is the window's end), finishes them, applies HAVING and the final
 * projection, and writes one JSON record per group, keyed by the group key.
 */
public final class SqlAggregate implements BatchFunction {

    private SqlPlan plan;

    @Override
    public void open(FunctionContext context) {
        plan = SqlMap.plan(context);
        if (!plan.grouped()) {
            throw new IllegalStateException("the SQL plan of pipeline " + context.pipeline() + " has no GROUP BY");
        }
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        Map<ByteBuffer, Object[]> groups = new LinkedHashMap<>();
        for (Record record : batch) {
            Object[] partials = plan.grouping().readPartials(record.value());
            Object[] merged = groups.get(ByteBuffer.wrap(record.key()));
            if (merged == null) {
                groups.put(ByteBuffer.wrap(record.key()), partials);
            } else {
                plan.grouping().merge(merged, partials);
            }
        }
        for (Map.Entry<ByteBuffer, Object[]> group : groups.entrySet()) {
            byte[] key = group.getKey().array();
            Object[] row = plan.finish(key, group.getValue(), batch.batchTime());
            if (row != null) {
                out.emit(plan.outputKey(key), plan.outputValue(row));
            }
        }
    }
}
