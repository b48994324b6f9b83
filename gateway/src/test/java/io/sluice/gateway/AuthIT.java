package io.sluice.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gateway with tokens: every route, as the router lists them, without a token or with an
 * unknown one gets 401; a read token gets 403 on every route but GET; an admin token gets past
 * the check on all of them. Each refusal has its JSON reason.
 */
class AuthIT {

    private static final String ADMIN = "admin-token-0123456789abcdef";
    private static final String READ = "read-token-0123456789abcdef";
    private static GatewayFixture fx;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        fx = new GatewayFixture(1024 * 1024, Tokens.of(Map.of(ADMIN, Tokens.Role.ADMIN, READ, Tokens.Role.READ)));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static Answer send(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fx.gateway.url() + path))
                .method(method, HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (path.equals("/v1/events")) {
            // a stream that never ends: its status, and the first event's bytes are enough
            HttpResponse<java.io.InputStream> stream = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream in = stream.body()) {
                String start = new String(in.readNBytes(stream.statusCode() == 200 ? 10 : 4096), java.nio.charset.StandardCharsets.UTF_8);
                return new Answer(stream.statusCode(), start, stream.headers());
            }
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r.headers());
    }

    /** What came back: the status, the body (only its start for the event stream, which never ends) and the headers. */
    private record Answer(int statusCode, String body, java.net.http.HttpHeaders headers) {
    }

    @Test
    void everyRouteNeedsATokenAndOnlyAnAdminTokenMayChangeAnything() throws Exception {
        List<String[]> routes = new ArrayList<>();
        for (Route route : fx.gateway.router().getRoutes()) {
            if (route.getPath() != null && route.methods() != null && !route.getPath().equals("/health")
                    && !route.getPath().equals("/") && !route.getPath().startsWith("/dashboard/")) {
                String path = route.getPath().replace(":name", "ghost").replace(":key", "k").replace(":id", "q");
                route.methods().forEach(m -> routes.add(new String[] {m.name(), path}));
            }
        }
        assertTrue(routes.size() >= 20, "the router's routes: " + routes.size());
        List<String> wrong = new ArrayList<>();
        for (String[] r : routes) {
            String what = r[0] + " " + r[1];
            Answer none = send(r[0], r[1], null);
            if (none.statusCode() != 401 || !error(none).contains("this gateway needs a token")
                    || none.headers().firstValue("WWW-Authenticate").isEmpty()) {
                wrong.add(what + " without a token: " + none.statusCode() + " " + none.body());
            }
            Answer unknown = send(r[0], r[1], "not-a-token-of-this-gateway");
            if (unknown.statusCode() != 401 || !error(unknown).equals("the token is not one this gateway accepts")) {
                wrong.add(what + " with an unknown token: " + unknown.statusCode() + " " + unknown.body());
            }
            Answer read = send(r[0], r[1], READ);
            boolean get = r[0].equals("GET");
            if (get ? read.statusCode() == 401 || read.statusCode() == 403
                    : read.statusCode() != 403 || !error(read).equals("a read token cannot " + r[0] + " " + r[1] + ": use an admin token")) {
                wrong.add(what + " with a read token: " + read.statusCode() + " " + read.body());
            }
            Answer admin = send(r[0], r[1], ADMIN);
            if (admin.statusCode() == 401 || admin.statusCode() == 403 || admin.statusCode() >= 500) {
                wrong.add(what + " with an admin token: " + admin.statusCode() + " " + admin.body());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertEquals(200, send("GET", "/health", null).statusCode(), "health needs no token");
        // the dashboard's page and files hold no data and need no token; the page asks for one
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(fx.gateway.url() + "/")).header("Accept", "text/html").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(200, send("GET", "/dashboard/dashboard.js", null).statusCode());
        assertEquals(401, send("GET", "/v1/events", null).statusCode(), "the dashboard's data needs a token");
        assertEquals(200, send("GET", "/v1/events", READ).statusCode());
        Answer created = send("POST", "/v1/tables", ADMIN);
        assertEquals(400, created.statusCode(), "an admin reaches the handler, which reads the request: " + created.body());
    }

    private static String error(Answer response) {
        try {
            return new JsonObject(response.body()).getString("error", "");
        } catch (RuntimeException e) {
            return "(not JSON) " + response.body();
        }
    }
}
