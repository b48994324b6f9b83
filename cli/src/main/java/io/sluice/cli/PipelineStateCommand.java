package io.sluice.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code stop} and {@code start}: one POST to the pipeline's action, one line back. */
abstract class PipelineStateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOption gateway;

    @Parameters(index = "0", paramLabel = "PIPELINE")
    String pipeline;

    /** @return the action's path segment */
    abstract String action();

    /** @return what the pipeline is afterwards, for the message */
    abstract String outcome();

    @Override
    public Integer call() {
        gateway.client().post("/v1/pipelines/" + pipeline + "/" + action());
        spec.commandLine().getOut().println("Pipeline " + pipeline + " " + outcome() + ".");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
