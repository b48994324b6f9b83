package io.sluice.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "pipelines", mixinStandardHelpOptions = true, description = "List pipelines.")
final class PipelinesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        if (output.json()) {
            OutputOption.print(spec.commandLine().getOut(), gateway.client().get("/v1/pipelines"));
            return ExitCodes.OK;
        }
        Table table = new Table("NAME", "STATE", "FUNCTION", "INPUTS", "OUTPUT", "BATCH", "PARTITIONS", "STAGES");
        for (Object o : gateway.client().get("/v1/pipelines").getJsonArray("pipelines")) {
            JsonObject p = (JsonObject) o;
            table.row(p.getString("name"), p.getString("state"), p.getString("function") + "@" + p.getInteger("functionVersion"),
                    String.join(",", p.getJsonArray("inputs").getList()), p.getString("output"),
                    p.getString("batchInterval"), p.getInteger("partitions"), Stages.column(p.getJsonArray("stages")));
        }
        table.printOr(spec.commandLine().getOut(), "No pipelines. Deploy one with `sluice deploy`.");
        return ExitCodes.OK;
    }
}
