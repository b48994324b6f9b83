package io.sluice.sql;

import io.sluice.core.registry.Window;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.sql.SqlPlan;
import io.sluice.core.sql.SqlType;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeSystem;
import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.fun.SqlLibraryOperators;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.util.SqlOperatorTables;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.tools.FrameworkConfig;
import org.apache.calcite.tools.Frameworks;
import org.apache.calcite.tools.Planner;
import org.apache.calcite.tools.RelConversionException;
import org.apache.calcite.tools.ValidationException;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Compiles a query over one input topic into a {@link SqlPlan}, with Calcite's parser, validator and
 * SQL-to-relational converter. The relational plan is then translated, node by node, into the
 * stage engine's shape: filters, projections and partial aggregation in the map stage, the final
 * aggregation, HAVING and the last projection after the shuffle ({@link RelTranslator}).
 *
 * <p>The dialect is Calcite's default with double-quoted identifiers matched without regard to
 * case. {@code GROUP BY TUMBLE(rowtime, INTERVAL ...)} and {@code HOP(rowtime, slide, size)} group
 * by windows of batch time; {@code TUMBLE_START/END} and {@code HOP_START/END} name their bounds.
 */
public final class SqlCompiler {

    /** Calcite's types, but a CASE over texts of different lengths is a VARCHAR, not a blank-padded CHAR. */
    private static final RelDataTypeSystem TYPES = new RelDataTypeSystemImpl() {
        @Override
        public boolean shouldConvertRaggedUnionTypesToVarying() {
            return true;
        }
    };

    /** The standard operators, and SPLIT (from Calcite's BigQuery library) for CROSS JOIN UNNEST(SPLIT(...)). */
    private static final SqlOperatorTable OPERATORS = SqlOperatorTables.chain(SqlStdOperatorTable.instance(),
            SqlOperatorTables.of(SqlLibraryOperators.SPLIT));

    private SqlCompiler() {
    }

    /**
     * @param sql           the query
     * @param topic         the input topic, which the query reads as a table of that name
     * @param schema        the input's columns and format
     * @param batchInterval the pipeline's batch interval, which windows must be multiples of
     * @throws SqlCompileException saying what is wrong, and where
     */
    public static CompiledQuery compile(String sql, String topic, InputSchema schema, Duration batchInterval)
            throws SqlCompileException {
        return compile(sql, topic, schema, batchInterval, Map.of());
    }

    /**
     * @param tables the tables the query may join, by name, with their columns; each reads as
     *     {@code key VARCHAR} and then its columns
     * @throws SqlCompileException saying what is wrong, and where
     */
    public static CompiledQuery compile(String sql, String topic, InputSchema schema, Duration batchInterval,
                                        Map<String, InputSchema> tables) throws SqlCompileException {
        if (sql == null || sql.isBlank()) {
            throw new SqlCompileException("the query is empty", 0, 0);
        }
        SchemaPlus root = Frameworks.createRootSchema(false);
        root.add(topic, new Table(schema, false));
        tables.forEach((name, columns) -> {
            if (!name.equalsIgnoreCase(topic)) {
                root.add(name, new Table(columns, true));
            }
        });
        FrameworkConfig config = Frameworks.newConfigBuilder()
                .defaultSchema(root)
                .typeSystem(TYPES)
                .operatorTable(OPERATORS)
                .parserConfig(SqlParser.config()
                        .withQuoting(Quoting.DOUBLE_QUOTE)
                        .withUnquotedCasing(Casing.UNCHANGED)
                        .withQuotedCasing(Casing.UNCHANGED)
                        .withCaseSensitive(false))
                .build();
        Planner planner = Frameworks.getPlanner(config);
        RelRoot root0;
        try {
            SqlNode parsed = planner.parse(sql);
            Unsupported.check(parsed);
            SqlNode validated = planner.validate(parsed);
            root0 = planner.rel(validated);
        } catch (SqlParseException e) {
            throw new SqlCompileException(parseReason(e), e.getPos().getLineNum(), e.getPos().getColumnNum());
        } catch (ValidationException e) {
            throw validation(e);
        } catch (RelConversionException e) {
            throw new SqlCompileException(e.getMessage(), 0, 0);
        } finally {
            planner.close();
        }
        RelNode rel = root0.project();
        List<String> names = root0.validatedRowType.getFieldNames();
        SqlPlan plan = new RelTranslator(sql, topic, schema, tables, batchInterval.toMillis()).translate(rel, names);
        Window window = null;
        if (plan.grouped() && plan.grouping().windowed()) {
            window = new Window(Duration.ofMillis(plan.grouping().windowLength()),
                    Duration.ofMillis(plan.grouping().windowSlide()), false);
        }
        return new CompiledQuery(plan, topic, window);
    }

    /**
     * @return the table the query reads, as its FROM names it (the left-most, if it joins), so an
     *     ad-hoc query need not name its topic twice
     * @throws SqlCompileException if the query does not parse or reads no table
     */
    public static String inputTable(String sql) throws SqlCompileException {
        if (sql == null || sql.isBlank()) {
            throw new SqlCompileException("the query is empty", 0, 0);
        }
        SqlNode parsed;
        try {
            parsed = SqlParser.create(sql, SqlParser.config().withQuoting(Quoting.DOUBLE_QUOTE)
                    .withUnquotedCasing(Casing.UNCHANGED).withQuotedCasing(Casing.UNCHANGED)).parseQuery();
        } catch (SqlParseException e) {
            throw new SqlCompileException(parseReason(e), e.getPos().getLineNum(), e.getPos().getColumnNum());
        }
        if (parsed instanceof org.apache.calcite.sql.SqlOrderBy order) {
            parsed = order.query;
        }
        if (parsed instanceof org.apache.calcite.sql.SqlSelect select && select.getFrom() != null) {
            SqlNode from = select.getFrom();
            while (from instanceof org.apache.calcite.sql.SqlJoin join) {
                from = join.getLeft();
            }
            if (from.getKind() == org.apache.calcite.sql.SqlKind.AS) {
                from = ((org.apache.calcite.sql.SqlCall) from).operand(0);
            }
            if (from instanceof org.apache.calcite.sql.SqlIdentifier id) {
                return id.names.get(id.names.size() - 1);
            }
        }
        throw new SqlCompileException("the query reads no topic: name one in FROM", 0, 0);
    }

    private static String parseReason(SqlParseException e) {
        String message = e.getMessage();
        // "Encountered "x" at line 1, column 8.\nWas expecting one of: ..." keeps its first line
        int at = message.indexOf(" at line ");
        int nl = message.indexOf('\n');
        String first = at > 0 ? message.substring(0, at) : nl > 0 ? message.substring(0, nl) : message;
        return "syntax error: " + first.strip();
    }

    private static SqlCompileException validation(ValidationException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CalciteContextException c) {
                String reason = c.getCause() != null && c.getCause().getMessage() != null ? c.getCause().getMessage()
                        : c.getMessage();
                return new SqlCompileException(reason, c.getPosLine(), c.getPosColumn());
            }
            if (t instanceof SqlCompileException s) {
                return s;
            }
        }
        return new SqlCompileException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), 0, 0);
    }

    /**
     * The input topic as Calcite sees it: the schema's columns, then {@code rowtime}; or a table:
     * {@code key}, then its columns.
     */
    private static final class Table extends AbstractTable {
        private final InputSchema schema;
        private final boolean keyed;

        Table(InputSchema schema, boolean keyed) {
            this.schema = schema;
            this.keyed = keyed;
        }

        @Override
        public RelDataType getRowType(RelDataTypeFactory f) {
            RelDataTypeFactory.Builder row = f.builder();
            if (keyed) {
                row.add(RelTranslator.TABLE_KEY, f.createSqlType(SqlTypeName.VARCHAR));
            }
            for (InputSchema.Column c : schema.columns()) {
                row.add(c.name(), f.createTypeWithNullability(calciteType(f, c.type()), true));
            }
            if (!keyed) {
                row.add(InputSchema.ROWTIME, f.createSqlType(SqlTypeName.TIMESTAMP, 3));
            }
            return row.build();
        }

        private static RelDataType calciteType(RelDataTypeFactory f, SqlType type) {
            return switch (type) {
                case VARCHAR -> f.createSqlType(SqlTypeName.VARCHAR);
                case BIGINT -> f.createSqlType(SqlTypeName.BIGINT);
                case DOUBLE -> f.createSqlType(SqlTypeName.DOUBLE);
                case BOOLEAN -> f.createSqlType(SqlTypeName.BOOLEAN);
                case TIMESTAMP -> f.createSqlType(SqlTypeName.TIMESTAMP, 3);
                case ARRAY -> f.createArrayType(f.createSqlType(SqlTypeName.VARCHAR), -1);
            };
        }
    }
}
