package io.sluice.scheduler.it;

import io.sluice.runtime.RuntimeMain;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A function runtime (or another Sluice role) in its own JVM, started from this JVM's class path; its output goes to a file under target/. */
final class RuntimeProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private RuntimeProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static RuntimeProcess start(String name, String schedulerUri, int slots) {
        return java(name, RuntimeMain.class.getName(), "--scheduler", schedulerUri, "--slots", Integer.toString(slots),
                "--name", name);
    }

    /** Starts {@code mainClass} in its own JVM with this JVM's class path, a 384 MiB heap and the serial collector. */
    static RuntimeProcess java(String name, String mainClass, String... args) {
        return java(name, List.of("-Xmx384m", "-XX:+UseSerialGC"), mainClass, args);
    }

    /** Starts {@code mainClass} in its own JVM with this JVM's class path and the given JVM options. */
    static RuntimeProcess java(String name, List<String> jvmOptions, String mainClass, String... args) {
        Path logFile = Path.of("target", "runtime-processes", name + ".log");
        try {
            Files.createDirectories(logFile.getParent());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new java.util.ArrayList<>(List.of(java));
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            Process process = builder.start();
            // a test that fails half-way must not leave processes behind to load the machine
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            return new RuntimeProcess(name, process, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start process " + name, e);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** @return the exit code, or empty if the process still runs after {@code timeout} */
    java.util.OptionalInt waitFor(java.time.Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
    }

    /** Kills the process with SIGKILL: no shutdown hook runs, no goodbye reaches the scheduler. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return everything the process printed so far */
    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** @return the last lines the process printed, for failure messages */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(File.separator.equals("/") ? "\n" : "\r\n",
                    lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }
}
