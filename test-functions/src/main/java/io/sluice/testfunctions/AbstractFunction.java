package io.sluice.testfunctions;

import io.sluice.function.BatchFunction;

/** An abstract class: registration must refuse it, there is nothing to instantiate. */
public abstract class AbstractFunction implements BatchFunction {
}
