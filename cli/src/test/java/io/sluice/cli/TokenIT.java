package io.sluice.cli;

import io.sluice.gateway.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI against a gateway that needs tokens: none, a read token and an admin token, each with its exit code and message. */
class TokenIT {

    private static final String ADMIN = Tokens.generate();
    private static final String READ = Tokens.generate();
    private static Stack stack;

    @BeforeAll
    static void start() throws InterruptedException {
        stack = new Stack("token", Tokens.of(Map.of(ADMIN, Tokens.Role.ADMIN, READ, Tokens.Role.READ)));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void theCliSendsItsTokenAndSaysWhatARefusalMeans() {
        String name = "tok-" + UUID.randomUUID().toString().substring(0, 6);
        stack.kafka.createTopic(name + "-in", 1);
        String[] sql = {"sql", "--name", name, "--input", name + "-in", "--output", name + "-out", "--schema", "a VARCHAR",
                "SELECT a FROM \"" + name + "-in\""};

        Stack.Run none = stack.sluice(with(sql, "--token", "x".repeat(20)));
        assertEquals(ExitCodes.REFUSED, none.exit());
        assertEquals("sluice: the token is not one this gateway accepts", none.err().strip());

        Stack.Run read = stack.sluice(with(sql, "--token", READ));
        assertEquals(ExitCodes.REFUSED, read.exit());
        assertEquals("sluice: a read token cannot POST /v1/pipelines: use an admin token", read.err().strip());
        Stack.Run list = stack.sluice("pipelines", "--token", READ);
        assertEquals(0, list.exit(), list.err());

        Stack.Run admin = stack.sluice(with(sql, "--token", ADMIN));
        assertEquals(0, admin.exit(), admin.err());
        assertTrue(stack.sluice("pipelines", "--token", READ).out().contains(name), "the admin's pipeline is there");
    }

    private static String[] with(String[] args, String... more) {
        String[] out = new String[args.length + more.length];
        System.arraycopy(args, 0, out, 0, args.length);
        System.arraycopy(more, 0, out, args.length, more.length);
        return out;
    }
}
