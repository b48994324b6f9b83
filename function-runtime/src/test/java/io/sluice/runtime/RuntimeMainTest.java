package io.sluice.runtime;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeMainTest {

    @Test
    void parsesEveryOption() {
        RuntimeConfig config = RuntimeMain.parse(new String[] {
            "--scheduler", "ws://10.0.0.5:7070/runtime", "--slots", "3", "--name", "edge-1", "--bind", "10.0.0.9"});
        assertEquals(List.of(URI.create("ws://10.0.0.5:7070/runtime")), config.schedulers());
        assertEquals(3, config.slots());
        assertEquals("edge-1", config.name());
        assertEquals("10.0.0.9", config.bindAddress());
    }

    @Test
    void takesTheActiveSchedulerAndItsStandbys() {
        RuntimeConfig config = RuntimeMain.parse(new String[] {"--scheduler", "ws://a:7070/runtime, ws://b:7071/runtime"});
        assertEquals(List.of(URI.create("ws://a:7070/runtime"), URI.create("ws://b:7071/runtime")), config.schedulers());
        assertMessage("scheduler address must look like ws://host:port/runtime, was b:7071",
                new String[] {"--scheduler", "ws://a:7070/runtime,b:7071"});
        assertMessage("at least one scheduler address is needed", new String[] {"--scheduler", ","});
    }

    @Test
    void defaultsNameAndSlots() {
        RuntimeConfig config = RuntimeMain.parse(new String[] {"--scheduler", "ws://127.0.0.1:7070/runtime"});
        assertEquals(Runtime.getRuntime().availableProcessors(), config.slots());
        assertTrue(config.name().endsWith("-" + ProcessHandle.current().pid()), config.name());
    }

    @Test
    void refusesBadInputWithAReason() {
        assertMessage("--scheduler is required", new String[] {"--slots", "2"});
        assertMessage("--slots must be a number, was 'two'", new String[] {"--scheduler", "ws://h:1/runtime", "--slots", "two"});
        assertMessage("slots must be 1..1024, was 0", new String[] {"--scheduler", "ws://h:1/runtime", "--slots", "0"});
        assertMessage("unknown option --port", new String[] {"--port", "1"});
        assertMessage("option --name needs a value", new String[] {"--scheduler", "ws://h:1/runtime", "--name"});
        assertMessage("scheduler address must look like ws://host:port/runtime, was http://h:1/runtime",
                new String[] {"--scheduler", "http://h:1/runtime"});
    }

    private static void assertMessage(String expected, String[] args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RuntimeMain.parse(args));
        assertEquals(expected, e.getMessage());
    }
}
