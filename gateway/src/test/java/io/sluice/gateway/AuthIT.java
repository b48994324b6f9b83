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

    private static HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fx.gateway.url() + path))
                .method(method, HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyRouteNeedsATokenAndOnlyAnAdminTokenMayChangeAnything() throws Exception {
        List<String[]> routes = new ArrayList<>();
        for (Route route : fx.gateway.router().getRoutes()) {
            if (route.getPath() != null && route.methods() != null && !route.getPath().equals("/health")) {
                String path = route.getPath().replace(":name", "ghost").replace(":key", "k").replace(":id", "q");
                route.methods().forEach(m -> routes.add(new String[] {m.name(), path}));
            }
        }
        assertTrue(routes.size() >= 20, "the router's routes: " + routes.size());
        List<String> wrong = new ArrayList<>();
        for (String[] r : routes) {
            String what = r[0] + " " + r[1];
            HttpResponse<String> none = send(r[0], r[1], null);
            if (none.statusCode() != 401 || !error(none).contains("this gateway needs a token")
                    || none.headers().firstValue("WWW-Authenticate").isEmpty()) {
                wrong.add(what + " without a token: " + none.statusCode() + " " + none.body());
            }
            HttpResponse<String> unknown = send(r[0], r[1], "not-a-token-of-this-gateway");
            if (unknown.statusCode() != 401 || !error(unknown).equals("the token is not one this gateway accepts")) {
                wrong.add(what + " with an unknown token: " + unknown.statusCode() + " " + unknown.body());
            }
            HttpResponse<String> read = send(r[0], r[1], READ);
            boolean get = r[0].equals("GET");
            if (get ? read.statusCode() == 401 || read.statusCode() == 403
                    : read.statusCode() != 403 || !error(read).equals("a read token cannot " + r[0] + " " + r[1] + ": use an admin token")) {
                wrong.add(what + " with a read token: " + read.statusCode() + " " + read.body());
            }
            HttpResponse<String> admin = send(r[0], r[1], ADMIN);
            if (admin.statusCode() == 401 || admin.statusCode() == 403 || admin.statusCode() >= 500) {
                wrong.add(what + " with an admin token: " + admin.statusCode() + " " + admin.body());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertEquals(200, send("GET", "/health", null).statusCode(), "health needs no token");
        HttpResponse<String> created = send("POST", "/v1/tables", ADMIN);
        assertEquals(400, created.statusCode(), "an admin reaches the handler, which reads the request: " + created.body());
    }

    private static String error(HttpResponse<String> response) {
        try {
            return new JsonObject(response.body()).getString("error", "");
        } catch (RuntimeException e) {
            return "(not JSON) " + response.body();
        }
    }
}
