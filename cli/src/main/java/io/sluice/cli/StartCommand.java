package io.sluice.cli;

import picocli.CommandLine.Command;

@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Resume a stopped pipeline from its committed offsets.")
final class StartCommand extends PipelineStateCommand {

    @Override
    String action() {
        return "start";
    }

    @Override
    String outcome() {
        return "running";
    }
}
