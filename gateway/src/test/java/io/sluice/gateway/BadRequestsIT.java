package io.sluice.gateway;

import io.sluice.kafka.embedded.SharedKafka;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of client mistake gets the right 4xx and a one-line reason, and changes nothing.
 */
class BadRequestsIT {

    private static final long LIMIT = 1024 * 1024;
    private static GatewayFixture fx;
    private static String input;
    private static String function;
    private static String pipeline;

    @BeforeAll
    static void start() {
        fx = new GatewayFixture(LIMIT);
        input = GatewayFixture.unique("in");
        SharedKafka.broker().createTopic(input, 1);
        function = GatewayFixture.unique("fn");
        pipeline = GatewayFixture.unique("p");
        assertEquals(201, fx.postJar(function, "io.sluice.testfunctions.Passthrough", GatewayFixture.testFunctionsJar()).status());
        assertEquals(201, fx.postJson("/v1/pipelines", pipelineJson(pipeline, function, input, "out-" + input)).status());
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static String pipelineJson(String name, String fn, String in, String out) {
        return "{\"name\":\"" + name + "\",\"function\":\"" + fn + "\",\"inputs\":[\"" + in + "\"],\"output\":\"" + out + "\"}";
    }

    /** A pipeline that would be created but for its {@code stages}: the function and input exist. */
    private static String withStages(String stages) {
        return "{\"name\":\"n\",\"function\":\"" + function + "\",\"inputs\":[\"" + input + "\"],\"output\":\"o\","
                + "\"partitions\":2,\"stages\":" + stages + "}";
    }

    private record Case(String what, int status, String reason, GatewayFixture.Response response) {
    }

    @Test
    void eachMistakeGetsItsStatusAndReasonAndTheRegistryIsUnchanged() {
        String functionsBefore = fx.get("/v1/functions").body();
        String pipelinesBefore = fx.get("/v1/pipelines").body();
        byte[] tests = GatewayFixture.testFunctionsJar();
        String json = "application/json";
        List<Case> cases = new ArrayList<>();

        cases.add(new Case("malformed JSON", 400, "not valid JSON",
                fx.postJson("/v1/pipelines", "{\"name\": \"x\",")));
        cases.add(new Case("JSON that is not an object", 400, "must be a JSON object",
                fx.postJson("/v1/pipelines", "[1, 2]")));
        cases.add(new Case("empty pipeline body", 400, "body is empty",
                fx.send("POST", "/v1/pipelines", json, new byte[0])));
        cases.add(new Case("missing name", 400, "missing field 'name'",
                fx.postJson("/v1/pipelines", "{\"function\":\"f\",\"inputs\":[\"a\"],\"output\":\"b\"}")));
        cases.add(new Case("missing inputs", 400, "missing field 'inputs'",
                fx.postJson("/v1/pipelines", "{\"name\":\"n\",\"function\":\"f\",\"output\":\"b\"}")));
        cases.add(new Case("partitions of the wrong type", 400, "'partitions' must be a whole number",
                fx.postJson("/v1/pipelines", "{\"name\":\"n\",\"function\":\"f\",\"inputs\":[\"a\"],\"output\":\"b\",\"partitions\":\"8\"}")));
        cases.add(new Case("unreadable interval", 400, "'fast' is not a duration",
                fx.postJson("/v1/pipelines", "{\"name\":\"n\",\"function\":\"f\",\"inputs\":[\"a\"],\"output\":\"b\",\"batchInterval\":\"fast\"}")));
        cases.add(new Case("interval out of range", 400, "out of range",
                fx.postJson("/v1/pipelines", "{\"name\":\"n\",\"function\":\"f\",\"inputs\":[\"a\"],\"output\":\"b\",\"batchInterval\":\"10ms\"}")));
        cases.add(new Case("zero partitions", 400, "partitions must be 1 to 1024",
                fx.postJson("/v1/pipelines", "{\"name\":\"n\",\"function\":\"f\",\"inputs\":[\"a\"],\"output\":\"b\",\"partitions\":0}")));
        cases.add(new Case("unknown delivery", 400, "delivery 'twice' is not exactly-once or at-least-once",
                fx.postJson("/v1/pipelines", "{\"name\":\"n\",\"function\":\"f\",\"inputs\":[\"a\"],\"output\":\"b\",\"delivery\":\"twice\"}")));
        cases.add(new Case("misspelt field", 400, "unknown field 'partition'",
                fx.postJson("/v1/pipelines", "{\"name\":\"n\",\"function\":\"f\",\"inputs\":[\"a\"],\"output\":\"b\",\"partition\":2}")));
        cases.add(new Case("output is an input", 400, "is also an input",
                fx.postJson("/v1/pipelines", pipelineJson("n", function, input, input))));
        cases.add(new Case("invalid pipeline name", 400, "pipeline name 'no spaces'",
                fx.postJson("/v1/pipelines", pipelineJson("no spaces", function, input, "o"))));
        cases.add(new Case("pipeline as text", 415, "send the pipeline as application/json",
                fx.send("POST", "/v1/pipelines", "text/plain", pipelineJson("n", function, input, "o").getBytes(StandardCharsets.UTF_8))));
        cases.add(new Case("unknown function", 422, "no function named 'nope'",
                fx.postJson("/v1/pipelines", pipelineJson("n", "nope", input, "o"))));
        cases.add(new Case("unknown input topic", 422, "[no-such-topic] do not exist",
                fx.postJson("/v1/pipelines", pipelineJson("n", function, "no-such-topic", "o"))));
        cases.add(new Case("duplicate pipeline", 409, "already exists",
                fx.postJson("/v1/pipelines", pipelineJson(pipeline, function, input, "o"))));

        String sqlBase = "{\"name\":\"q\",\"inputs\":[\"" + input + "\"],\"output\":\"o\",\"schema\":\"who VARCHAR, n BIGINT\",";
        cases.add(new Case("SQL with a syntax error", 400, "sql: line 1, column 8: syntax error: Incorrect syntax near the keyword 'FROM'",
                fx.postJson("/v1/pipelines", sqlBase + "\"sql\":\"SELECT FROM \\\"" + input + "\\\"\"}")));
        cases.add(new Case("SQL naming an unknown column", 400, "sql: line 1, column 8: Column 'price' not found in any table",
                fx.postJson("/v1/pipelines", sqlBase + "\"sql\":\"SELECT price FROM \\\"" + input + "\\\"\"}")));
        cases.add(new Case("SQL with a type mismatch", 400, "Cannot apply '+' to arguments of type '<VARCHAR> + <BOOLEAN>'",
                fx.postJson("/v1/pipelines", sqlBase + "\"sql\":\"SELECT who + TRUE FROM \\\"" + input + "\\\"\"}")));
        cases.add(new Case("SQL with an unsupported construct", 400, "ORDER BY is not supported",
                fx.postJson("/v1/pipelines", sqlBase + "\"sql\":\"SELECT n FROM \\\"" + input + "\\\" ORDER BY n\"}")));
        cases.add(new Case("SQL over another topic", 400, "Object 'elsewhere' not found",
                fx.postJson("/v1/pipelines", sqlBase + "\"sql\":\"SELECT n FROM elsewhere\"}")));
        cases.add(new Case("SQL with an unknown type in its schema", 400, "schema: unknown type 'NUMBER'",
                fx.postJson("/v1/pipelines", sqlBase.replace("n BIGINT", "n NUMBER") + "\"sql\":\"SELECT 1\"}")));
        cases.add(new Case("SQL with an unknown format", 400, "schema: unknown format 'xml'",
                fx.postJson("/v1/pipelines", sqlBase + "\"format\":\"xml\",\"sql\":\"SELECT n FROM t\"}")));
        cases.add(new Case("SQL and a function", 400, "a SQL pipeline has no 'function'",
                fx.postJson("/v1/pipelines", sqlBase + "\"function\":\"f\",\"sql\":\"SELECT n FROM t\"}")));
        cases.add(new Case("a schema without SQL", 400, "field 'schema' belongs to a SQL pipeline, which needs 'sql'",
                fx.postJson("/v1/pipelines", pipelineJson("n", function, input, "o").replace("{", "{\"schema\":\"a INT\","))));

        cases.add(new Case("stages not an array", 400, "field 'stages' must be an array",
                fx.postJson("/v1/pipelines", withStages("{\"reduce\":\"sum\"}"))));
        cases.add(new Case("a stage that is not an object", 400, "stages[0] must be an object",
                fx.postJson("/v1/pipelines", withStages("[\"sum\"]"))));
        cases.add(new Case("a stage with an unknown field", 400, "stages[0]: unknown field 'key'; expected [class, partitions, reduce, state, timeout, window]",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"key\":\"word\"}]"))));
        cases.add(new Case("a stage's reduce of the wrong type", 400, "stages[0]: field 'reduce' must be a string",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":1}]"))));
        cases.add(new Case("a stage's class of the wrong type", 400, "stages[0]: field 'class' must be a string",
                fx.postJson("/v1/pipelines", withStages("[{\"class\":[\"a.B\"]}]"))));
        cases.add(new Case("a stage's partitions of the wrong type", 400, "stages[0]: field 'partitions' must be a whole number",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"partitions\":\"2\"}]"))));
        cases.add(new Case("a stage with both reduce and class", 400, "stages[0]: a stage needs exactly one of 'reduce'",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"class\":\"com.acme.TopK\"}]"))));
        cases.add(new Case("a stage with neither reduce nor class", 400, "stages[0]: a stage needs exactly one of 'reduce'",
                fx.postJson("/v1/pipelines", withStages("[{\"partitions\":2}]"))));
        cases.add(new Case("an unknown built-in reduction", 400,
                "stages[1]: unknown reduction 'avg': use count, sum, min, max, or the qualified name of a class",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\"},{\"reduce\":\"avg\"}]"))));
        cases.add(new Case("a stage class that is not a class name", 400, "stages[0]: class name 'not-a-class' is not a Java class name",
                fx.postJson("/v1/pipelines", withStages("[{\"class\":\"not-a-class\"}]"))));
        cases.add(new Case("zero stage partitions", 400, "stages[0]: stage partitions must be 1 to 1024, was 0",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"count\",\"partitions\":0}]"))));
        cases.add(new Case("too many stage partitions", 400, "stages[0]: stage partitions must be 1 to 1024, was 2048",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"max\",\"partitions\":2048}]"))));
        cases.add(new Case("too many stages", 400, "at most 7 stages after its function, was 8",
                fx.postJson("/v1/pipelines", withStages("[" + String.join(",", java.util.Collections.nCopies(8, "{\"reduce\":\"min\"}")) + "]"))));
        cases.add(new Case("a window that is not an object", 400, "stages[0]: field 'window' must be an object",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"window\":\"10s\"}]"))));
        cases.add(new Case("a window without a length", 400, "stages[0]: missing field 'window.length'",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"window\":{\"slide\":\"2s\"}}]"))));
        cases.add(new Case("a window with an unknown field", 400, "stages[0]: unknown field 'size' in 'window'",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"window\":{\"size\":\"2s\"}}]"))));
        cases.add(new Case("a window length that is not a duration", 400, "stages[0]: field 'window.length': 'soon' is not a duration",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"window\":{\"length\":\"soon\"}}]"))));
        cases.add(new Case("a window shorter than the batch interval", 400,
                "must be a multiple of the batch interval of 1000 ms in length and in slide",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"window\":{\"length\":\"500ms\"}}]"))));
        cases.add(new Case("a window not a multiple of the batch interval", 400,
                "must be a multiple of the batch interval of 1000 ms in length and in slide",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"window\":{\"length\":\"10s\",\"slide\":\"1500ms\"}}]"))));
        cases.add(new Case("a slide longer than the window", 400, "stages[0]: window length 2000 ms is shorter than its slide 4000 ms",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"window\":{\"length\":\"2s\",\"slide\":\"4s\"}}]"))));
        cases.add(new Case("an incremental window over max", 400, "stages[0]: 'max' has no inverse",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"max\",\"window\":{\"length\":\"4s\",\"incremental\":true}}]"))));
        cases.add(new Case("a window on a state stage", 400, "stages[0]: a stateful stage cannot have a window",
                fx.postJson("/v1/pipelines", withStages("[{\"state\":\"com.acme.Total\",\"window\":{\"length\":\"4s\"}}]"))));
        cases.add(new Case("a timeout without state", 400, "stages[0]: only a stateful stage ('state') has a timeout",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\",\"timeout\":\"60s\"}]"))));
        cases.add(new Case("a state stage that is not the last", 400, "keeps state, so it must be the last",
                fx.postJson("/v1/pipelines", withStages("[{\"state\":\"com.acme.Total\"},{\"reduce\":\"sum\"}]"))));
        cases.add(new Case("a state class that is not a class name", 400, "stages[0]: class name 'running-total' is not a Java class name",
                fx.postJson("/v1/pipelines", withStages("[{\"state\":\"running-total\"}]"))));
        cases.add(new Case("a state class that is not a StateFunction", 422,
                "class io.sluice.testfunctions.Passthrough does not implement io.sluice.function.StateFunction",
                fx.postJson("/v1/pipelines", withStages("[{\"state\":\"io.sluice.testfunctions.Passthrough\"}]"))));
        cases.add(new Case("a stage class not in the jar", 422, "stages[0] (function " + function + "@1): class com.acme.TopK not found in the jar",
                fx.postJson("/v1/pipelines", withStages("[{\"class\":\"com.acme.TopK\",\"partitions\":1}]"))));
        cases.add(new Case("a Reducer class not in the jar", 422, "stages[1] (function " + function + "@1): class com.acme.Longest not found in the jar",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"sum\"},{\"reduce\":\"com.acme.Longest\"}]"))));
        cases.add(new Case("a reduce class that is not a Reducer", 422,
                "stages[0] (function " + function + "@1): class io.sluice.testfunctions.Passthrough does not implement io.sluice.function.Reducer",
                fx.postJson("/v1/pipelines", withStages("[{\"reduce\":\"io.sluice.testfunctions.Passthrough\"}]"))));
        cases.add(new Case("a stage class that is not a function", 422,
                "class io.sluice.testfunctions.NotABatchFunction does not implement io.sluice.function.BatchFunction",
                fx.postJson("/v1/pipelines", withStages("[{\"class\":\"io.sluice.testfunctions.NotABatchFunction\"}]"))));

        cases.add(new Case("upload that is not a jar", 422, "not a jar",
                fx.postJar("f2", "a.B", "hello, not a jar".getBytes(StandardCharsets.UTF_8))));
        cases.add(new Case("class not in the jar", 422, "class com.acme.Missing",
                fx.postJar("f2", "com.acme.Missing", tests)));
        cases.add(new Case("class that is not a function", 422, "does not implement io.sluice.function.BatchFunction",
                fx.postJar("f2", "io.sluice.testfunctions.NotABatchFunction", tests)));
        cases.add(new Case("abstract class", 422, "is abstract",
                fx.postJar("f2", "io.sluice.testfunctions.AbstractFunction", tests)));
        cases.add(new Case("no no-arg constructor", 422, "no public no-argument constructor",
                fx.postJar("f2", "io.sluice.testfunctions.NoNoArgConstructor", tests)));
        cases.add(new Case("upload over the limit", 413, "larger than the gateway's limit of 1 MiB",
                fx.postJar("f2", "a.B", new byte[(int) (2 * LIMIT)])));
        cases.add(new Case("upload as text", 415, "send the jar as application/java-archive",
                fx.send("POST", "/v1/functions?name=f2&class=a.B", "text/plain", tests)));
        cases.add(new Case("upload without a name", 400, "missing 'name'",
                fx.send("POST", "/v1/functions?class=a.B", "application/java-archive", tests)));
        cases.add(new Case("upload with a bad class name", 400, "is not a Java class name",
                fx.postJar("f2", "not-a-class", tests)));
        cases.add(new Case("empty upload", 400, "body is empty",
                fx.postJar("f2", "a.B", new byte[0])));
        cases.add(new Case("multipart without a jar part", 400, "no file part named 'jar'",
                fx.send("POST", "/v1/functions", "multipart/form-data; boundary=b",
                        "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nf2\r\n--b--\r\n".getBytes(StandardCharsets.UTF_8))));

        cases.add(new Case("unknown function by name", 404, "no function named 'ghost'", fx.get("/v1/functions/ghost")));
        cases.add(new Case("deleting a function in use", 409, "is used by pipeline",
                fx.send("DELETE", "/v1/functions/" + function, null, null)));
        cases.add(new Case("stopping an unknown pipeline", 404, "no pipeline named 'ghost'",
                fx.send("POST", "/v1/pipelines/ghost/stop", null, null)));
        cases.add(new Case("unknown route", 404, "no such resource: GET /v2/things", fx.get("/v2/things")));
        cases.add(new Case("wrong method", 405, "PUT is not allowed on /v1/functions",
                fx.send("PUT", "/v1/functions", json, "{}".getBytes(StandardCharsets.UTF_8))));

        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            GatewayFixture.Response r = c.response();
            String error = null;
            try {
                error = new JsonObject(r.body()).getString("error");
            } catch (RuntimeException e) {
                // not JSON: reported below
            }
            if (r.status() != c.status() || error == null || !error.contains(c.reason()) || error.contains("\n")) {
                wrong.add(c.what() + ": expected " + c.status() + " with '" + c.reason() + "', got " + r.status() + " " + r.body());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(cases.size() >= 15);

        assertEquals(functionsBefore, fx.get("/v1/functions").body(), "functions unchanged");
        assertEquals(pipelinesBefore, fx.get("/v1/pipelines").body(), "pipelines unchanged");
    }
}
