package io.sluice.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar, as README's first command runs it: {@code sluice dev --demo} in its own JVM
 * prints word counts, and stops cleanly on SIGTERM.
 */
@Tag("slow")
class DevDemoIT {

    private static final Pattern BATCH_LINE = Pattern.compile("\\[\\d\\d:\\d\\d:\\d\\d] batch of \\d+ words: the=\\d+ .*");

    @Test
    void theShadedJarRunsTheDemoAndPrintsWordCounts() throws Exception {
        Path jar = Path.of("target", "sluice.jar");
        assertTrue(Files.exists(jar), "the shaded jar is built in the package phase");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "dev", "--demo", "--port", "0",
                "--scheduler-port", "0")
                .redirectError(Path.of("target", "dev-demo.err").toFile())
                .start();
        List<String> lines = new ArrayList<>();
        boolean sawCounts = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
                lines.add(line);
                if (BATCH_LINE.matcher(line).matches() && lines.stream().filter(l -> BATCH_LINE.matcher(l).matches()).count() >= 3) {
                    sawCounts = true;
                    break;
                }
            }
            assertTrue(sawCounts, "three batches of word counts within 90 s; printed:\n" + String.join("\n", lines)
                    + "\nstderr:\n" + Files.readString(Path.of("target", "dev-demo.err")));
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("  gateway    http://127.0.0.1:")), String.join("\n", lines));
            process.destroy(); // SIGTERM, like Ctrl-C
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "dev stops within 30 s of SIGTERM");
        } finally {
            process.destroyForcibly();
        }
    }
}
