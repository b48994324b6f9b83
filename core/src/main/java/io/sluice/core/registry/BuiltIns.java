package io.sluice.core.registry;

import java.util.Set;

/**
 * Functions that ship with Sluice rather than in a user's jar: the stages a SQL pipeline compiles
 * to. They are registered under the reserved function name {@value #SQL}, version 1, and a runtime
 * loads them from its own class path, only from the classes named here.
 */
public final class BuiltIns {

    /** The reserved function name of SQL pipelines. */
    public static final String SQL = "sql";
    /** What a built-in's SHA-256 field holds instead of a jar's hash. */
    public static final String NO_JAR = "built-in";
    /** The map stage of a SQL pipeline: parse, filter, project, partially aggregate. */
    public static final String SQL_MAP = "io.sluice.runtime.sql.SqlMap";
    /** The stage after a SQL pipeline's shuffle: merge the partial aggregates, HAVING, project. */
    public static final String SQL_AGGREGATE = "io.sluice.runtime.sql.SqlAggregate";
    /** The stage after the shuffle of a SQL pipeline that aggregates over every batch so far, as state. */
    public static final String SQL_RUNNING = "io.sluice.runtime.sql.SqlRunningAggregate";
    /** The pipeline parameter that carries the compiled plan. */
    public static final String SQL_PLAN = "sluice.sql.plan";

    private static final Set<String> CLASSES = Set.of(SQL_MAP, SQL_AGGREGATE, SQL_RUNNING);
    private static final FunctionSpec SQL_FUNCTION = new FunctionSpec(SQL, 1, SQL_MAP, NO_JAR, 0, 0, "");

    private BuiltIns() {
    }

    /** @return the built-in function of that name and version, or {@code null} */
    static FunctionSpec function(String name, int version) {
        return SQL.equals(name) && version == 1 ? SQL_FUNCTION : null;
    }

    /** @return whether a function of that name ships with Sluice, so no jar may take the name */
    public static boolean reserved(String name) {
        return SQL.equals(name);
    }

    /** @return whether a runtime may load {@code className} from its own class path for a function of that SHA-256 */
    public static boolean loadable(String sha256, String className) {
        return NO_JAR.equals(sha256) && CLASSES.contains(className);
    }
}
