package io.sluice.core.wire;

import io.sluice.core.encoding.MalformedDataException;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.CancelTask;
import io.sluice.core.wire.WireMessage.FailureKind;
import io.sluice.core.wire.WireMessage.FunctionRef;
import io.sluice.core.wire.WireMessage.Heartbeat;
import io.sluice.core.wire.WireMessage.Hello;
import io.sluice.core.wire.WireMessage.RecordRange;
import io.sluice.core.wire.WireMessage.Refused;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.core.wire.WireMessage.Welcome;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WireCodecTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final TaskAttempt ATTEMPT = new TaskAttempt(new TaskId("orders-enrich", 1_700_000_001_000L, 5), 3);

    @Test
    void everyMessageRoundTrips() {
        List<WireMessage> messages = List.of(
                new Hello(WireMessage.PROTOCOL, "rt-1", 4),
                new Heartbeat(List.of(ATTEMPT, ATTEMPT.next()), List.of(ATTEMPT.next()), List.of(ATTEMPT)),
                new Heartbeat(List.of(), List.of(), List.of()),
                new WireMessage.Ready(3),
                new TaskDone(ATTEMPT, 10_000, 42, 1, 2, 3),
                new TaskFailed(ATTEMPT, FailureKind.USER, "java.lang.IllegalStateException", "poison at t/0@5"),
                new TaskFailed(ATTEMPT, FailureKind.PLATFORM, "MissingBlockException", null),
                new Welcome("r7", "127.0.0.1:9092", "sluice", List.of("127.0.0.1[7800]")),
                new RunTask(ATTEMPT, 8, new FunctionRef("wc", 2, "io.sluice.examples.WordCount", SHA), "counts",
                        Map.of("pattern", "ERROR", "ünïcode", "✓"), "sluice.wc.3.1", 7L << 32 | 3, true,
                        new RecordRange(250, 500), "sluice.dlq.wc", ""),
                new RunTask(ATTEMPT, 8, new FunctionRef("wc", 2, "io.sluice.examples.WordCount", SHA), "counts", Map.of(), "",
                        0, false, RecordRange.ALL, "sluice.dlq.wc", "failed 4 time(s): boom"),
                new CancelTask(ATTEMPT),
                new Refused("protocol 9 is not supported"));
        for (WireMessage m : messages) {
            assertEquals(m, WireCodec.decode(WireCodec.encode(m)), m.getClass().getSimpleName());
        }
    }

    @Test
    void malformedFramesFailWithAReason() {
        assertThrows(MalformedDataException.class, () -> WireCodec.decode(new byte[] {99}));
        byte[] done = WireCodec.encode(new TaskDone(ATTEMPT, 1, 1, 1, 1, 1));
        assertThrows(MalformedDataException.class, () -> WireCodec.decode(Arrays.copyOf(done, done.length - 1)));
        byte[] trailing = Arrays.copyOf(done, done.length + 1);
        assertThrows(MalformedDataException.class, () -> WireCodec.decode(trailing));
    }
}
