package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dead letters through the CLI: a function that throws on poison records dead-letters exactly
 * those; {@code sluice dlq} lists them with their reasons; after a fixed version is uploaded,
 * {@code sluice dlq --replay --version 2} sends them through it, and each reaches the output once.
 */
class DeadLetterIT {

    private static Stack stack;

    @BeforeAll
    static void start() throws InterruptedException {
        stack = new Stack("dlq");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void deadLettersAreListedAndReplayedThroughTheFixOnce() throws Exception {
        String name = "poisoned-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-in";
        stack.kafka.createTopic(input, 2);
        String jar = System.getProperty("sluice.test-functions.jar");
        Stack.Run deploy = stack.sluice("deploy", jar, "--class", "io.sluice.testfunctions.ThrowOnMarker", "--name", name,
                "--input", input, "--output", name + "-out", "--partitions", "2");
        assertEquals(0, deploy.exit(), deploy.err());
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            values.add(i % 70 == 5 ? "POISON " + i : "fine " + i);
        }
        stack.produce(input, values);
        Stack.await(Duration.ofSeconds(90), () -> deadLetters(name).getLong("total") == 3,
                () -> "the three poison records are dead-lettered: " + deadLetters(name));

        Stack.Run listed = stack.sluice("dlq", name);
        assertEquals(0, listed.exit(), listed.err());
        assertTrue(listed.out().contains("3 dead letter(s) in sluice.dlq." + name), listed.out());
        assertTrue(listed.out().lines().filter(l -> l.contains("POISON") && l.contains("poison record at")).count() == 3,
                listed.out());
        Stack.Run json = stack.sluice("dlq", name, "--output", "json");
        JsonArray letters = new JsonObject(json.out().strip()).getJsonArray("deadLetters");
        assertEquals(3, letters.size());
        assertTrue(letters.stream().allMatch(d -> ((JsonObject) d).getString("error").contains("IllegalStateException")
                && ((JsonObject) d).getString("sourceTopic").equals(input)), letters.encode());

        HttpResponse<String> fixed = stack.postBytes("/v1/functions?name=" + name + "&class=io.sluice.testfunctions.Passthrough",
                "application/java-archive", Files.readAllBytes(Path.of(jar)));
        assertEquals(201, fixed.statusCode(), fixed.body());
        Stack.Run replay = stack.sluice("dlq", name, "--replay", "--version", "2");
        assertEquals(0, replay.exit(), replay.err());
        assertTrue(replay.out().contains("Dead letters [0, ") && replay.out().contains("through " + name + "@2 again"), replay.out());
        assertTrue(replay.out().contains("Done."), replay.out());

        List<ConsumerRecord<String, String>> out = stack.read(name + "-out", values.size());
        Map<String, Integer> seen = new HashMap<>();
        out.forEach(r -> seen.merge(r.value(), 1, Integer::sum));
        assertEquals(new TreeSet<>(values), new TreeSet<>(seen.keySet()), "every record reaches the output");
        assertTrue(seen.values().stream().allMatch(n -> n == 1), "each once: " + seen);
    }

    private static JsonObject deadLetters(String pipeline) {
        try {
            HttpResponse<String> r = stack.get("/v1/pipelines/" + pipeline + "/dead-letters");
            return r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject().put("total", -1L);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
