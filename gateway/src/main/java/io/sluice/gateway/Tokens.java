package io.sluice.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The bearer tokens a gateway accepts, each with a role: {@code admin} may do anything, {@code read}
 * only GET. A token file has one token per line, {@code <role> <token>}; blank lines and lines
 * starting with {@code #} are skipped. No tokens means an open gateway.
 */
public final class Tokens {

    /** What a token may do. */
    public enum Role { ADMIN, READ }

    private static final int MIN_LENGTH = 16;
    private final Map<String, Role> byToken;

    private Tokens(Map<String, Role> byToken) {
        this.byToken = Map.copyOf(byToken);
    }

    /** @return no tokens: the gateway lets everyone do everything */
    public static Tokens none() {
        return new Tokens(Map.of());
    }

    /** @return one admin token */
    public static Tokens admin(String token) {
        return new Tokens(Map.of(token, Role.ADMIN));
    }

    /** @return the given tokens */
    public static Tokens of(Map<String, Role> tokens) {
        tokens.keySet().forEach(Tokens::check);
        return new Tokens(tokens);
    }

    /**
     * @throws IllegalArgumentException naming the line that is wrong, or if the file cannot be read
     */
    public static Tokens read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getMessage());
        }
        Map<String, Role> tokens = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            Role role;
            try {
                role = parts.length == 2 ? Role.valueOf(parts[0].toUpperCase(Locale.ROOT)) : null;
            } catch (IllegalArgumentException e) {
                role = null;
            }
            if (role == null) {
                throw new IllegalArgumentException("token file " + file + ", line " + (i + 1) + ": expected 'admin TOKEN' or 'read TOKEN'");
            }
            try {
                check(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token file " + file + ", line " + (i + 1) + ": " + e.getMessage());
            }
            tokens.put(parts[1], role);
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("token file " + file + " has no tokens");
        }
        return new Tokens(tokens);
    }

    private static void check(String token) {
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("a token needs at least " + MIN_LENGTH + " characters");
        }
    }

    /** @return a new random token: 32 bytes from a secure random source, base64url */
    public static String generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** @return whether the gateway checks tokens at all */
    public boolean required() {
        return !byToken.isEmpty();
    }

    /** @return the token's role, if it is one of these */
    public Optional<Role> role(String token) {
        return Optional.ofNullable(token == null ? null : byToken.get(token));
    }
}
