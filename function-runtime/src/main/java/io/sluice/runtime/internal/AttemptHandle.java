package io.sluice.runtime.internal;

import java.util.concurrent.Future;

/** What a running attempt can be cancelled through, and where its slot thread is. */
final class AttemptHandle {
    volatile Future<?> future;
    volatile AttemptSink output;
    volatile boolean cancelled;
    /** Whether the slot thread is inside user code right now. */
    volatile boolean inFunction;
    volatile boolean started;
    volatile boolean returned;
    volatile long cancelledAt;
}
