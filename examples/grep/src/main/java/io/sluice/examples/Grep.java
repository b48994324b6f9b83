package io.sluice.examples;

import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Passes on the records whose value matches a regular expression, key and value unchanged.
 *
 * <p>Parameters: {@code pattern} (required), a {@link Pattern} found anywhere in the value;
 * {@code invert} ({@code true} to keep the records that do not match; default {@code false}).
 */
public final class Grep implements BatchFunction {

    private Pattern pattern;
    private boolean invert;

    @Override
    public void open(FunctionContext context) {
        String regex = context.parameter("pattern", null);
        if (regex == null || regex.isEmpty()) {
            throw new IllegalArgumentException("Grep needs the parameter 'pattern'");
        }
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("Grep's 'pattern' is not a regular expression: " + e.getDescription(), e);
        }
        invert = Boolean.parseBoolean(context.parameter("invert", "false"));
    }

    @Override
    public void apply(Batch batch, Emitter out) {
        if (pattern == null) {
            throw new IllegalStateException("Grep was not opened");
        }
        for (Record record : batch) {
            String value = record.valueAsString();
            boolean matches = value != null && pattern.matcher(value).find();
            if (matches != invert) {
                out.emit(record);
            }
        }
    }
}
