package io.sluice.function;

import java.util.Map;

/**
 * What a {@link BatchFunction} instance knows about where it runs, given to {@link BatchFunction#open}.
 */
public interface FunctionContext {

    /** @return the name the function was registered under */
    String functionName();

    /** @return the version of the function's jar, counted from 1 for each name */
    int functionVersion();

    /** @return the pipeline this instance serves */
    String pipeline();

    /** @return the identity of the runtime this instance lives in, for logs and diagnostics */
    String runtimeId();

    /**
     * @return the pipeline's parameters for the function, as given when the pipeline was created;
     *     never {@code null}, possibly empty, not modifiable
     */
    Map<String, String> parameters();

    /**
     * @param name a parameter name
     * @param defaultValue what to return when the parameter is absent
     * @return the parameter's value, or {@code defaultValue}
     */
    default String parameter(String name, String defaultValue) {
        return parameters().getOrDefault(name, defaultValue);
    }
}
