package io.sluice.cli;

import picocli.CommandLine.Command;

@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop reading new records; batches already cut still complete. `sluice start` resumes.")
final class StopCommand extends PipelineStateCommand {

    @Override
    String action() {
        return "stop";
    }

    @Override
    String outcome() {
        return "stopped";
    }
}
