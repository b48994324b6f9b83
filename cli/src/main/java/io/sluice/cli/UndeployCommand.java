package io.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "undeploy", mixinStandardHelpOptions = true,
        description = {"Delete the pipeline NAME, then the function NAME unless another pipeline uses it.",
            "Committed offsets and the output topic stay; batches in flight are abandoned."})
final class UndeployCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
        GatewayClient client = gateway.client();
        PrintWriter out = spec.commandLine().getOut();
        boolean pipelineDeleted = false;
        try {
            client.delete("/v1/pipelines/" + name);
            out.println("Pipeline " + name + " deleted.");
            pipelineDeleted = true;
        } catch (CliException e) {
            if (e.exitCode() != ExitCodes.REFUSED || !e.getMessage().startsWith("no pipeline named")) {
                throw e;
            }
        }
        try {
            client.delete("/v1/functions/" + name);
            out.println("Function " + name + " deleted.");
        } catch (CliException e) {
            if (e.exitCode() != ExitCodes.REFUSED) {
                throw e;
            }
            if (e.getMessage().startsWith("no function named")) {
                if (!pipelineDeleted) {
                    throw new CliException(ExitCodes.REFUSED, "nothing named '" + name + "' is deployed");
                }
            } else {
                out.println("Function " + name + " kept: " + e.getMessage());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
