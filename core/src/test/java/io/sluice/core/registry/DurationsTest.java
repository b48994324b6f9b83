package io.sluice.core.registry;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {

    @Test
    void readsAndWritesEveryUnit() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(2), Durations.parse(" 2 s "));
        assertEquals(Duration.ofMinutes(3), Durations.parse("3m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        for (String text : new String[] {"1500ms", "2s", "3m", "1h", "0ms"}) {
            assertEquals(text, Durations.format(Durations.parse(text)));
        }
    }

    @Test
    void refusesWhatIsNotADuration() {
        for (String bad : new String[] {null, "", "500", "1.5s", "-1s", "5d", "ms", "9999999999ms"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad));
            assertEquals("'" + bad + "' is not a duration like 500ms, 1s, 2m or 1h", e.getMessage());
        }
    }
}
