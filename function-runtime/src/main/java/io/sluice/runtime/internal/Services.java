package io.sluice.runtime.internal;

import io.sluice.core.table.Tables;

import io.sluice.core.registry.Registry;
import io.sluice.core.store.BatchStore;

/**
 * What a runtime needs once the scheduler has welcomed it: where blocks and jars are, and where
 * output goes.
 */
record Services(BatchStore batchStore, Registry registry, KafkaSink sink, TransactionalSink transactions,
                StateStore states, Tables tables) {
}
