package io.sluice.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where {@code sluice dev} leaves its admin token for the CLI: {@code $SLUICE_HOME/token}, by
 * default {@code ~/.sluice/token}, readable by its owner only.
 */
final class SavedToken {

    private SavedToken() {
    }

    static Path file() {
        String home = System.getenv("SLUICE_HOME");
        return (home == null || home.isBlank() ? Path.of(System.getProperty("user.home"), ".sluice") : Path.of(home))
                .resolve("token");
    }

    /** @return the saved token, or {@code null} if there is none */
    static String read() {
        try {
            Path file = file();
            return Files.isReadable(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Saves the token, readable by its owner only; a failure is reported, not fatal. */
    static String write(String token) {
        Path file = file();
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: left as the platform made it
            }
            return "saved in " + file + ", where the CLI finds it";
        } catch (IOException e) {
            return "not saved (" + e.getMessage() + "): give it with --token or SLUICE_TOKEN";
        }
    }
}
