package io.sluice.testfunctions;

/** A class in the jar that does not implement {@code BatchFunction}: registration must refuse it. */
public final class NotABatchFunction {
}
