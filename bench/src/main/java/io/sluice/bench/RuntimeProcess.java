package io.sluice.bench;

import io.sluice.runtime.RuntimeMain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A function runtime in its own JVM, started with this JVM's class path (the bench's, which holds
 * the runtime and its logging set-up), its output in a file. The scheduler tests do the same with
 * their own launcher, which the bench cannot reach.
 */
final class RuntimeProcess implements AutoCloseable {

    private final String name;
    private final Process process;

    private RuntimeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    static RuntimeProcess start(String name, String schedulerUri, int slots, Path logDirectory) {
        Path log = logDirectory.resolve(name + ".log");
        try {
            Files.createDirectories(logDirectory);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx384m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), RuntimeMain.class.getName(),
                    "--scheduler", schedulerUri, "--slots", Integer.toString(slots), "--name", name))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            return new RuntimeProcess(name, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start runtime process " + name, e);
        }
    }

    String name() {
        return name;
    }

    /** Kills the process with SIGKILL: no shutdown hook runs, no goodbye reaches the scheduler. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Asks every process to stop (SIGTERM) at once, then waits for each, killing the ones that linger. */
    static void closeAll(List<RuntimeProcess> processes) throws InterruptedException {
        processes.forEach(p -> p.process.destroy());
        for (RuntimeProcess p : processes) {
            p.close();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
