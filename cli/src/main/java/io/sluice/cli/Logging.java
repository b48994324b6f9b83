package io.sluice.cli;

import java.util.Set;

/**
 * Chooses how chatty the process is before anything logs: server roles log what they do at INFO;
 * client commands and {@code dev --demo} only warn, so people see their output, not ours.
 * {@code SLUICE_LOG_LEVEL} overrides both.
 */
final class Logging {

    private static final Set<String> SERVER_ROLES = Set.of("scheduler", "runtime", "gateway", "dev");

    private Logging() {
    }

    static void configureFor(String[] args) {
        String level = System.getenv("SLUICE_LOG_LEVEL");
        if (level == null || level.isBlank()) {
            boolean server = args.length > 0 && SERVER_ROLES.contains(args[0]);
            boolean demo = java.util.Arrays.asList(args).contains("--demo");
            level = server && !demo ? "INFO" : "WARN";
        }
        System.setProperty("sluice.log.level", level);
    }
}
