package io.sluice.runtime.internal;

import io.sluice.function.Emitter;

/** Where one attempt's output goes, and how the attempt ends: finished, or abandoned. */
interface AttemptSink extends Emitter {

    /** Makes further {@code emit} calls throw; called from another thread when the attempt is cancelled. */
    void cancel();

    /** @return how many records the attempt emitted */
    long sent();

    /**
     * Makes the output durable: waits for acknowledgements, or commits the transaction.
     *
     * @throws SinkException if that fails; the attempt then fails as a platform failure
     */
    void finish() throws InterruptedException;

    /** Gives up the output if the sink can (aborts the transaction); a no-op after {@link #finish}. */
    void abandon();
}
