package io.sluice.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The gateway's API as the CLI uses it. Every failure becomes a {@link CliException} with its exit code. */
final class GatewayClient {

    private final String base;
    private final String token;
    private final HttpClient http;

    GatewayClient(String base) {
        this(base, null);
    }

    /** @param token the bearer token to send, or {@code null} for an open gateway */
    GatewayClient(String base, String token) {
        this(base, token, null);
    }

    /**
     * @param token the bearer token to send, or {@code null} for an open gateway
     * @param trust the TLS context that trusts an {@code https} gateway's certificate, or {@code null} for the JDK's
     */
    GatewayClient(String base, String token, javax.net.ssl.SSLContext trust) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        this.http = (trust == null ? builder : builder.sslContext(trust)).build();
        this.token = token;
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        URI uri;
        try {
            uri = URI.create(this.base);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--gateway '" + base + "' is not a URL like http://127.0.0.1:8080");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw CliException.usage("--gateway '" + base + "' is not a URL like http://127.0.0.1:8080");
        }
    }

    JsonObject get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    JsonObject postJson(String path, JsonObject body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
    }

    JsonObject post(String path) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    JsonObject uploadJar(String name, String className, byte[] jar) {
        String path = "/v1/functions?name=" + encode(name) + "&class=" + encode(className);
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/java-archive")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jar)));
    }

    JsonObject delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private JsonObject send(HttpRequest.Builder request) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpRequest built = request.timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> response;
        try {
            response = http.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "cannot reach the gateway at " + base
                    + " (is `sluice dev` or `sluice gateway` running? set --gateway or SLUICE_GATEWAY)");
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "talking to the gateway at " + base + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
        int status = response.statusCode();
        JsonObject body = parse(response.body());
        if (status >= 200 && status < 300) {
            return body;
        }
        String reason = body.getString("error", "HTTP " + status);
        throw new CliException(status < 500 ? ExitCodes.REFUSED : ExitCodes.FAILED, reason);
    }

    private static JsonObject parse(String text) {
        if (text == null || text.isBlank()) {
            return new JsonObject();
        }
        try {
            return new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            return new JsonObject().put("error", "the gateway answered something that is not JSON: "
                    + text.substring(0, Math.min(120, text.length())));
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
