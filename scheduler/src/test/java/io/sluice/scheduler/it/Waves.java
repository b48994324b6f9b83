package io.sluice.scheduler.it;

import java.time.Duration;

/**
 * Input that arrives over time rather than all at once, so that a stream spans several batches:
 * {@code waves} rounds of {@code wave}, {@code pause} apart. Pacing input is what the pause is for;
 * tests wait for outcomes with {@link Await}.
 */
final class Waves {

    private Waves() {
    }

    static void produce(int waves, Duration pause, Runnable wave) throws InterruptedException {
        for (int i = 0; i < waves; i++) {
            wave.run();
            Thread.sleep(pause.toMillis());
        }
    }
}
