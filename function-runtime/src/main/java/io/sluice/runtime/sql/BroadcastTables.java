package io.sluice.runtime.sql;

import io.sluice.core.sql.MalformedRowException;
import io.sluice.core.sql.SqlPlan;
import io.sluice.core.table.Tables;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables a SQL map stage joins, broadcast: each runtime keeps a copy of every joined table,
 * read whole from the store, and reads it again when the table's version has changed since, which
 * it checks once per task. So each task sees every table as it was when the task started. A row
 * that does not fit the table's schema is left out of the copy (it matches no key).
 */
final class BroadcastTables implements SqlPlan.TableLookup {

    private record Copy(long version, Map<String, Object[]> rows) {
    }

    private final Tables tables;
    private final Map<String, Copy> copies = new HashMap<>();

    BroadcastTables(Tables tables) {
        this.tables = tables;
    }

    /** Brings every joined table's copy up to date; called once per task, before its rows. */
    synchronized BroadcastTables refresh(List<SqlPlan.Join> joins) {
        for (SqlPlan.Join join : joins) {
            long version = tables.version(join.table());
            Copy copy = copies.get(join.table());
            if (copy == null || copy.version != version) {
                copies.put(join.table(), new Copy(version, read(join)));
            }
        }
        return this;
    }

    private Map<String, Object[]> read(SqlPlan.Join join) {
        Map<String, Object[]> rows = new HashMap<>();
        tables.rows(join.table()).forEach((key, value) -> {
            try {
                Object[] columns = join.schema().row(value, 0); // its columns, then a rowtime the table has no use for
                Object[] row = new Object[join.width()];
                row[0] = key;
                System.arraycopy(columns, 0, row, 1, join.width() - 1);
                rows.put(key, row);
            } catch (MalformedRowException e) {
                // not a row of this table: it matches nothing
            }
        });
        return rows;
    }

    @Override
    public synchronized Object[] row(SqlPlan.Join join, String key) {
        Copy copy = copies.get(join.table());
        return copy == null ? null : copy.rows.get(key);
    }
}
