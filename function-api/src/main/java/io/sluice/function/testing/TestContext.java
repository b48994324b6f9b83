package io.sluice.function.testing;

import io.sluice.function.FunctionContext;

import java.util.Map;

/**
 * A {@link FunctionContext} for unit tests of functions.
 *
 * @param functionName    the function name
 * @param functionVersion the function version
 * @param pipeline        the pipeline name
 * @param runtimeId       the runtime identity
 * @param parameters      the pipeline's parameters for the function
 */
public record TestContext(String functionName, int functionVersion, String pipeline, String runtimeId,
                          Map<String, String> parameters) implements FunctionContext {

    /** Copies the parameters. */
    public TestContext {
        parameters = Map.copyOf(parameters);
    }

    /**
     * @param parameters the pipeline's parameters for the function
     * @return a context for function {@code test} version 1 in pipeline {@code test} on runtime {@code test}
     */
    public static TestContext withParameters(Map<String, String> parameters) {
        return new TestContext("test", 1, "test", "test", parameters);
    }
}
