package io.sluice.core.status;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

/**
 * What the tasks of one stage of a completed batch did.
 *
 * @param tasks     how many tasks the stage had, one per partition
 * @param tasksRun  how many of them ran (a task whose input is empty succeeds without running)
 * @param attempts  attempts started, at least {@code tasksRun}
 * @param copies    speculative copies among those attempts: started while another attempt of the task ran
 * @param failures  attempts that failed, the function's failures and the platform's
 */
public record StageInfo(int tasks, int tasksRun, int attempts, int copies, int failures) {

    void encode(Encoder out) {
        out.i32(tasks).i32(tasksRun).i32(attempts).i32(copies).i32(failures);
    }

    static StageInfo decode(Decoder in) {
        return new StageInfo(in.i32(), in.i32(), in.i32(), in.i32(), in.i32());
    }
}
