package io.sluice.core.status;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

/**
 * A runtime as the scheduler sees it.
 *
 * @param id the identity the scheduler gave this connection
 * @param name the name the runtime announced (host, process)
 * @param slots how many tasks it runs at once; 0 while it is still joining the data grid
 * @param running tasks it is running now
 * @param completed tasks it completed
 * @param failed task attempts that failed on it
 * @param connectedAt when it connected, epoch milliseconds
 */
public record RuntimeInfo(String id, String name, int slots, int running, long completed, long failed,
                          long connectedAt) {

    void encode(Encoder out) {
        out.str(id).str(name).i32(slots).i32(running).i64(completed).i64(failed).i64(connectedAt);
    }

    static RuntimeInfo decode(Decoder in) {
        return new RuntimeInfo(in.str(), in.str(), in.i32(), in.i32(), in.i64(), in.i64(), in.i64());
    }
}
