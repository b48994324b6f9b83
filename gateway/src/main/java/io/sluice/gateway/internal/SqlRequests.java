package io.sluice.gateway.internal;

import io.sluice.core.sql.InputSchema;
import io.sluice.core.table.TableSpec;
import io.sluice.core.table.Tables;
import io.sluice.sql.CompiledQuery;
import io.sluice.sql.SqlCompileException;
import io.sluice.sql.SqlCompiler;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL form of a pipeline request: {@code sql}, {@code schema} and {@code format} instead of a
 * {@code function} and {@code stages}. The query is compiled (off the event loop) into the built-in
 * SQL stages, with the plan in the pipeline's parameters.
 */
final class SqlRequests {

    private SqlRequests() {
    }

    /** A checked, not yet compiled, SQL request. */
    record Query(String sql, InputSchema schema) {


        /**
         * @return the compiled query
         * @throws ApiException 400 with Calcite's reason and position
         */
        CompiledQuery compile(List<String> inputs, Duration interval, Tables tables) {
            if (inputs.size() != 1) {
                throw new ApiException(400, "a SQL pipeline reads one input topic, which its query names in FROM; got "
                        + inputs.size());
            }
            try {
                return SqlCompiler.compile(sql, inputs.get(0), schema, interval, joinable(tables));
            } catch (SqlCompileException e) {
                throw new ApiException(400, "sql: " + e.getMessage());
            }
        }
    }

    /** @return the tables a query may join: those whose values have declared columns */
    static Map<String, InputSchema> joinable(Tables tables) {
        Map<String, InputSchema> out = new HashMap<>();
        for (TableSpec t : tables.tables()) {
            if (t.schema() != null) {
                out.put(t.name(), t.schema());
            }
        }
        return out;
    }

    /**
     * @return the SQL request, or {@code null} if the pipeline names a function instead
     * @throws ApiException 400 if the fields do not go together or do not parse
     */
    static Query parse(JsonObject json) {
        if (!json.containsKey("sql")) {
            for (String field : List.of("schema", "format")) {
                if (json.containsKey(field)) {
                    throw new ApiException(400, "field '" + field + "' belongs to a SQL pipeline, which needs 'sql'");
                }
            }
            return null;
        }
        for (String field : List.of("function", "stages")) {
            if (json.containsKey(field)) {
                throw new ApiException(400, "a SQL pipeline has no '" + field + "': its query says what it computes");
            }
        }
        String sql = Api.string(json, "sql", true);
        String schema = Api.string(json, "schema", true);
        String format = Api.string(json, "format", false);
        try {
            return new Query(sql, InputSchema.parse(schema, InputSchema.Format.parse(format == null ? "json" : format)));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "schema: " + e.getMessage());
        }
    }
}
