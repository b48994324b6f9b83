package io.sluice.sql;

import io.sluice.core.registry.BuiltIns;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.Window;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.sql.SqlPlan;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A query compiled for the stage engine.
 *
 * @param plan   what the runtimes execute
 * @param table  the table (input topic) the query reads
 * @param window the window of a query that groups by {@code TUMBLE} or {@code HOP}, or {@code null}
 */
public record CompiledQuery(SqlPlan plan, String table, Window window) {

    /** The parameters a SQL pipeline keeps, besides the plan, so a reader sees what it was made from. */
    public static final String SQL = "sluice.sql";
    public static final String SCHEMA = "sluice.sql.schema";
    public static final String FORMAT = "sluice.sql.format";

    /**
     * @return the columns of the output rows, as a table that follows the output reads its JSON
     *     values, or {@code null} if they cannot be declared (two columns of one name)
     */
    public InputSchema outputSchema() {
        List<InputSchema.Column> columns = new java.util.ArrayList<>();
        for (int i = 0; i < plan.names().size(); i++) {
            columns.add(new InputSchema.Column(plan.names().get(i), plan.types().get(i)));
        }
        try {
            return new InputSchema(columns, InputSchema.Format.JSON);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return whether the query runs in two stages, with a shuffle by group key between them */
    public boolean grouped() {
        return plan.grouped();
    }

    /**
     * @param given the parameters the pipeline was given
     * @return them with the plan and what it was compiled from
     * @throws IllegalArgumentException if a given parameter takes one of those names
     */
    public Map<String, String> parameters(Map<String, String> given) {
        for (String key : given.keySet()) {
            if (key.startsWith(SQL)) {
                throw new IllegalArgumentException("parameter '" + key + "' is reserved for what a SQL pipeline was made from");
            }
        }
        Map<String, String> out = new HashMap<>(given);
        out.put(SQL, plan.sql());
        out.put(SCHEMA, plan.input().declaration());
        out.put(FORMAT, plan.input().format().name().toLowerCase(Locale.ROOT));
        out.put(BuiltIns.SQL_PLAN, plan.encode());
        return out;
    }

    /**
     * @param partitions the aggregation's partitions
     * @return the stages after the map stage: the aggregation, over its window, if the query groups
     */
    public List<StageSpec> stages(int partitions) {
        return stages(partitions, false);
    }

    /**
     * @param running whether GROUP BY aggregates over every batch so far (a stateful stage) rather
     *     than per batch or window
     * @throws IllegalArgumentException if {@code running} is asked of a query without GROUP BY, or with a window
     */
    public List<StageSpec> stages(int partitions, boolean running) {
        if (running) {
            if (!grouped() || window != null) {
                throw new IllegalArgumentException("a running query needs GROUP BY without TUMBLE or HOP: it aggregates "
                        + "each group over every batch so far");
            }
            return List.of(StageSpec.state(BuiltIns.SQL_RUNNING, partitions, java.time.Duration.ZERO));
        }
        if (!grouped()) {
            return List.of();
        }
        StageSpec aggregate = StageSpec.function(BuiltIns.SQL_AGGREGATE, partitions);
        return List.of(window == null ? aggregate : aggregate.windowed(window));
    }
}
