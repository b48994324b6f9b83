package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scheduler with a runtime secret takes only runtimes that prove it: one without it and one with
 * a wrong one are refused at the handshake and never get a slot counted; the one with it joins.
 */
class RuntimeSecretIT {

    @Test
    void onlyARuntimeWithTheSecretJoins() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (SluiceNode node = SluiceNode.local();
             Scheduler scheduler = Scheduler.start(SchedulerConfig.defaults(EngineFixture.broker().bootstrapServers())
                     .withPort(0).withRuntimeSecret("s3cret-of-this-cluster"), node, vertx);
             FunctionRuntime none = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "no-secret", 1),
                     node, vertx);
             FunctionRuntime wrong = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "wrong-secret", 1)
                     .withSecret("guessed"), node, vertx);
             FunctionRuntime right = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "right-secret", 1)
                     .withSecret("s3cret-of-this-cluster"), node, vertx)) {
            assertTrue(right.awaitReady(Duration.ofSeconds(30)), "the runtime with the secret joins");
            assertFalse(none.awaitReady(Duration.ofSeconds(3)), "a runtime without the secret is refused");
            assertFalse(wrong.awaitReady(Duration.ofSeconds(1)), "a runtime with a wrong secret is refused");
            Await.until(Duration.ofSeconds(10), () -> node.statusBoard().runtimes().size() == 1,
                    () -> "only one runtime is known: " + node.statusBoard().runtimes());
            assertEquals("right-secret", node.statusBoard().runtimes().get(0).name());
        } finally {
            vertx.close();
        }
    }
}
