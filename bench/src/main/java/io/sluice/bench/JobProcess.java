package io.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A contender of {@link CompareBench} in a JVM of its own, its output in a log file; it knows when
 * it was started and reads its peak resident set size from Linux's {@code /proc}.
 */
final class JobProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final long startedNanos;
    private final Path log;

    private JobProcess(String name, Process process, long startedNanos, Path log) {
        this.name = name;
        this.process = process;
        this.startedNanos = startedNanos;
        this.log = log;
    }

    /**
     * @param jvm  options for the JVM, the same for every contender
     * @param args the main class (or {@code -jar JAR}) and its arguments
     */
    static JobProcess start(String name, List<String> jvm, List<String> args, Map<String, String> env, Path logs) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvm);
        command.addAll(args);
        Path log = logs.resolve(name + ".log");
        try {
            Files.createDirectories(logs);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            builder.environment().putAll(env);
            long started = System.nanoTime();
            return new JobProcess(name, builder.start(), started, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    String name() {
        return name;
    }

    long startedNanos() {
        return startedNanos;
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** @return the process's peak resident set size so far (VmHWM), in MiB, or -1 if it cannot be read */
    long peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
