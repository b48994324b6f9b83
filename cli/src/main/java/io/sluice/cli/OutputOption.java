package io.sluice.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code --output table|json}: what a listing command prints, for people or for scripts. */
final class OutputOption {

    @Option(names = "--output", defaultValue = "table", paramLabel = "FORMAT",
            description = "table (for people) or json (the gateway's answer, one object, for scripts). Default: ${DEFAULT-VALUE}.")
    String output;

    /** @return whether to print JSON; throws a usage error for a format that is neither */
    boolean json() {
        if (!output.equals("table") && !output.equals("json")) {
            throw CliException.usage("--output is table or json, not '" + output + "'");
        }
        return output.equals("json");
    }

    /** Prints the gateway's answer as one line of JSON. */
    static void print(PrintWriter out, JsonObject answer) {
        out.println(answer.encode());
        out.flush();
    }
}
