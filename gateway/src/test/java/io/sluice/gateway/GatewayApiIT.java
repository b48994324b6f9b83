package io.sluice.gateway;

import io.sluice.kafka.embedded.SharedKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayApiIT {

    private static GatewayFixture fx;

    @BeforeAll
    static void start() {
        fx = new GatewayFixture(GatewayConfig.DEFAULT_MAX_UPLOAD);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void functionAndPipelineLifecycle() {
        String fn = GatewayFixture.unique("grep");
        GatewayFixture.Response created = fx.postJar(fn, "io.sluice.examples.Grep", GatewayFixture.grepJar());
        assertEquals(201, created.status(), created.body());
        JsonObject v1 = new JsonObject(created.body());
        assertEquals(1, v1.getInteger("version"));
        assertEquals(64, v1.getString("sha256").length());

        // a second upload, as multipart, is version 2
        GatewayFixture.Response second = fx.send("POST", "/v1/functions", "multipart/form-data; boundary=XyZ",
                multipart("XyZ", fn, "io.sluice.examples.Grep", GatewayFixture.grepJar()));
        assertEquals(201, second.status(), second.body());
        assertEquals(2, new JsonObject(second.body()).getInteger("version"));

        JsonObject detail = new JsonObject(fx.get("/v1/functions/" + fn).body());
        assertEquals(2, detail.getJsonArray("versions").size());
        assertTrue(fx.get("/v1/functions").body().contains("\"" + fn + "\""));

        String input = GatewayFixture.unique("in");
        SharedKafka.broker().createTopic(input, 2);
        String pipeline = GatewayFixture.unique("p");
        GatewayFixture.Response p = fx.postJson("/v1/pipelines", new JsonObject().put("name", pipeline).put("function", fn)
                .put("inputs", new JsonArray().add(input)).put("output", input + "-out").put("batchInterval", "500ms")
                .put("parameters", new JsonObject().put("pattern", "ERROR")).encode());
        assertEquals(201, p.status(), p.body());
        JsonObject spec = new JsonObject(p.body());
        assertEquals(2, spec.getInteger("functionVersion"));
        assertEquals("500ms", spec.getString("batchInterval"));
        assertEquals(4, spec.getInteger("partitions"));
        assertEquals("RUNNING", spec.getString("state"));
        assertEquals("exactly-once", spec.getString("delivery"));
        assertEquals(new JsonArray(), spec.getJsonArray("stages"), "no stages: a one-stage pipeline");

        assertEquals(409, fx.send("DELETE", "/v1/functions/" + fn, null, null).status(), "in use by the pipeline");
        assertEquals("STOPPED", new JsonObject(fx.send("POST", "/v1/pipelines/" + pipeline + "/stop", null, null).body())
                .getString("state"));
        JsonObject status = new JsonObject(fx.get("/v1/pipelines/" + pipeline).body());
        assertEquals("STOPPED", status.getString("state"));
        assertEquals(0L, status.getJsonObject("progress").getLong("batches"));
        assertEquals("RUNNING", new JsonObject(fx.send("POST", "/v1/pipelines/" + pipeline + "/start", null, null).body())
                .getString("state"));
        assertEquals(204, fx.send("DELETE", "/v1/pipelines/" + pipeline, null, null).status());
        assertEquals(404, fx.get("/v1/pipelines/" + pipeline).status());
        assertEquals(204, fx.send("DELETE", "/v1/functions/" + fn, null, null).status());
        assertEquals(404, fx.get("/v1/functions/" + fn).status());
    }

    @Test
    void stagesRoundTripThroughGet() {
        String fn = GatewayFixture.unique("fns");
        assertEquals(201, fx.postJar(fn, "io.sluice.testfunctions.Passthrough", GatewayFixture.testFunctionsJar()).status());
        String input = GatewayFixture.unique("in");
        SharedKafka.broker().createTopic(input, 1);

        // a sum stage with its own partitions, then a count stage that takes the pipeline's
        String summed = GatewayFixture.unique("sum");
        GatewayFixture.Response created = fx.postJson("/v1/pipelines", new JsonObject().put("name", summed).put("function", fn)
                .put("inputs", new JsonArray().add(input)).put("output", summed + "-out").put("partitions", 3)
                .put("stages", new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 4))
                        .add(new JsonObject().put("reduce", "count"))).encode());
        assertEquals(201, created.status(), created.body());
        JsonArray expected = new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 4))
                .add(new JsonObject().put("reduce", "count").put("partitions", 3));
        assertEquals(expected, new JsonObject(created.body()).getJsonArray("stages"));
        GatewayFixture.Response detail = fx.get("/v1/pipelines/" + summed);
        assertEquals(200, detail.status(), detail.body());
        assertEquals(expected, new JsonObject(detail.body()).getJsonArray("stages"));
        JsonObject listed = new JsonObject(fx.get("/v1/pipelines").body()).getJsonArray("pipelines").stream()
                .map(JsonObject.class::cast).filter(p -> p.getString("name").equals(summed)).findFirst().orElseThrow();
        assertEquals(expected, listed.getJsonArray("stages"));
        assertEquals(expected, new JsonObject(fx.send("POST", "/v1/pipelines/" + summed + "/stop", null, null).body())
                .getJsonArray("stages"), "a change of state keeps the stages");

        // a stage class, checked against the function's jar
        String grouped = GatewayFixture.unique("grouped");
        GatewayFixture.Response withClass = fx.postJson("/v1/pipelines", new JsonObject().put("name", grouped).put("function", fn)
                .put("inputs", new JsonArray().add(input)).put("output", grouped + "-out")
                .put("stages", new JsonArray().add(new JsonObject().put("class", "io.sluice.testfunctions.Passthrough")
                        .put("partitions", 1))).encode());
        assertEquals(201, withClass.status(), withClass.body());
        assertEquals(new JsonArray().add(new JsonObject().put("class", "io.sluice.testfunctions.Passthrough").put("partitions", 1)),
                new JsonObject(fx.get("/v1/pipelines/" + grouped).body()).getJsonArray("stages"));

        // a windowed sum (slide defaulting to the length), and a state stage with a timeout
        String windowed = GatewayFixture.unique("windowed");
        GatewayFixture.Response withWindow = fx.postJson("/v1/pipelines", new JsonObject().put("name", windowed)
                .put("function", fn).put("inputs", new JsonArray().add(input)).put("output", windowed + "-out")
                .put("stages", new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 2)
                        .put("window", new JsonObject().put("length", "10s").put("incremental", true)))).encode());
        assertEquals(201, withWindow.status(), withWindow.body());
        assertEquals(new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 2)
                        .put("window", new JsonObject().put("length", "10s").put("slide", "10s").put("incremental", true))),
                new JsonObject(fx.get("/v1/pipelines/" + windowed).body()).getJsonArray("stages"));
        String stateful = GatewayFixture.unique("stateful");
        GatewayFixture.Response withState = fx.postJson("/v1/pipelines", new JsonObject().put("name", stateful)
                .put("function", fn).put("inputs", new JsonArray().add(input)).put("output", stateful + "-out")
                .put("stages", new JsonArray().add(new JsonObject().put("state", "io.sluice.testfunctions.RunningCount")
                        .put("partitions", 2).put("timeout", "60s"))).encode());
        assertEquals(201, withState.status(), withState.body());
        assertEquals(new JsonArray().add(new JsonObject().put("state", "io.sluice.testfunctions.RunningCount")
                        .put("partitions", 2).put("timeout", "1m")),
                new JsonObject(fx.get("/v1/pipelines/" + stateful).body()).getJsonArray("stages"));
        assertEquals(204, fx.send("DELETE", "/v1/pipelines/" + windowed, null, null).status());
        assertEquals(204, fx.send("DELETE", "/v1/pipelines/" + stateful, null, null).status());

        assertEquals(204, fx.send("DELETE", "/v1/pipelines/" + summed, null, null).status());
        assertEquals(204, fx.send("DELETE", "/v1/pipelines/" + grouped, null, null).status());
        assertEquals(204, fx.send("DELETE", "/v1/functions/" + fn, null, null).status());
    }

    @Test
    void everyRouteIsInTheOpenApiDocumentAndNothingElse() {
        GatewayFixture.Response doc = fx.get("/v1/openapi.yaml");
        assertEquals(200, doc.status());
        Set<String> documented = new TreeSet<>();
        String path = null;
        Matcher pathLine = Pattern.compile("^  (/\\S*):\\s*$").matcher("");
        Matcher methodLine = Pattern.compile("^    (get|post|put|delete|patch):\\s*$").matcher("");
        for (String line : doc.body().split("\n")) {
            if (pathLine.reset(line).matches()) {
                path = pathLine.group(1).replaceAll("\\{(\\w+)}", ":$1");
            } else if (line.matches("^\\S.*")) {
                path = null;
            } else if (path != null && methodLine.reset(line).matches()) {
                documented.add(methodLine.group(1).toUpperCase() + " " + path);
            }
        }
        Set<String> routed = new TreeSet<>();
        for (Route route : fx.gateway.router().getRoutes()) {
            if (route.getPath() != null && route.methods() != null && !route.getPath().equals("/")) {
                route.methods().forEach(m -> routed.add(m.name() + " " + route.getPath()));
            }
        }
        assertEquals(26, routed.size(), routed::toString);
        assertEquals(documented, routed);
    }

    static byte[] multipart(String boundary, String name, String className, byte[] jar) {
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n" + name + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"class\"\r\n\r\n" + className + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"jar\"; filename=\"f.jar\"\r\n"
                + "Content-Type: application/java-archive\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.UTF_8);
        byte[] t = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[h.length + jar.length + t.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(jar, 0, all, h.length, jar.length);
        System.arraycopy(t, 0, all, h.length + jar.length, t.length);
        return all;
    }
}
