package io.sluice.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "functions", mixinStandardHelpOptions = true, description = "List registered functions (latest versions).")
final class FunctionsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        if (output.json()) {
            OutputOption.print(spec.commandLine().getOut(), gateway.client().get("/v1/functions"));
            return ExitCodes.OK;
        }
        Table table = new Table("NAME", "VERSION", "CLASS", "SIZE", "SHA256");
        for (Object o : gateway.client().get("/v1/functions").getJsonArray("functions")) {
            JsonObject f = (JsonObject) o;
            table.row(f.getString("name"), f.getInteger("version"), f.getString("class"),
                    kib(f.getLong("size")), f.getString("sha256").substring(0, 12));
        }
        table.printOr(spec.commandLine().getOut(), "No functions. Deploy one with `sluice deploy`.");
        return ExitCodes.OK;
    }

    static String kib(long bytes) {
        return bytes < 1024 ? bytes + " B" : (bytes + 1023) / 1024 + " KiB";
    }
}
