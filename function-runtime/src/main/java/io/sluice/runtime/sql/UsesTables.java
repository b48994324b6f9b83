package io.sluice.runtime.sql;

import io.sluice.core.table.Tables;

/** A built-in stage that reads the store's tables; the runtime hands them over before {@code open}. */
public interface UsesTables {

    void useTables(Tables tables);
}
