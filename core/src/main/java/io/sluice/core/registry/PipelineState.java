package io.sluice.core.registry;

/** What a pipeline's owner wants it to do. The scheduler makes it so. */
public enum PipelineState {
    /** Ingest, slice and run batches. */
    RUNNING,
    /** Ingest nothing; batches already cut finish and commit. */
    STOPPED
}
