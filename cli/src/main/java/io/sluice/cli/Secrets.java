package io.sluice.cli;

/** The runtime secret of a cluster: {@code --secret}, else {@code $SLUICE_SECRET}, else none. */
final class Secrets {

    private Secrets() {
    }

    static String resolve(String option) {
        if (option != null && !option.isBlank()) {
            return option;
        }
        String env = System.getenv("SLUICE_SECRET");
        return env == null ? "" : env.strip();
    }
}
