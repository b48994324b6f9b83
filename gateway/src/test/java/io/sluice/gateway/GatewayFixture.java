package io.sluice.gateway;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.kafka.embedded.SharedKafka;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** A gateway on a free port over a local node and the shared broker, and a plain HTTP client for it. */
final class GatewayFixture implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    final SluiceNode node = SluiceNode.local();
    final Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    GatewayFixture(long maxUploadBytes) {
        this(maxUploadBytes, Tokens.none());
    }

    GatewayFixture(long maxUploadBytes, Tokens tokens) {
        gateway = Gateway.start(GatewayConfig.defaults(SharedKafka.broker().bootstrapServers()).withPort(0)
                .withMaxUploadBytes(maxUploadBytes).withTokens(tokens), node, vertx);
    }

    record Response(int status, String body) {
    }

    Response send(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response get(String path) {
        return send("GET", path, null, null);
    }

    Response postJson(String path, String json) {
        return send("POST", path, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Response postJar(String name, String className, byte[] jar) {
        return send("POST", "/v1/functions?name=" + name + "&class=" + className, "application/java-archive", jar);
    }

    static byte[] grepJar() {
        return jar("sluice.grep.jar");
    }

    static byte[] testFunctionsJar() {
        return jar("sluice.test-functions.jar");
    }

    private static byte[] jar(String property) {
        String path = System.getProperty(property);
        if (path == null) {
            throw new IllegalStateException("system property " + property + " is not set; run the test through Maven");
        }
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void close() {
        gateway.close();
        node.close();
        vertx.close();
    }
}
