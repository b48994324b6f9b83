package io.sluice.core.store;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

/**
 * Where a pipeline's batches have got to: the time and sequence of the last batch cut.
 *
 * <p>It is stored next to the manifests and written with every cut, and it outlives them: once every
 * batch has committed no manifest is left, yet a scheduler that takes over must still stamp its
 * batches after the old ones. Commit markers compare batch times, so a batch stamped earlier than one
 * already committed under the same transactional id would look committed and be skipped. With the
 * cursor, batch times and sequences only go forward, whatever the new host's clock says.
 *
 * @param pipeline  the pipeline
 * @param batchTime the batch time of the last batch cut, epoch milliseconds
 * @param sequence  the sequence of the last batch cut
 */
public record BatchCursor(String pipeline, long batchTime, long sequence) {

    private static final int FORMAT = 1;

    /** @return the cursor that is furthest on of this one and {@code manifest}'s batch */
    public BatchCursor atLeast(BatchManifest manifest) {
        return new BatchCursor(pipeline, Math.max(batchTime, manifest.batchTime()), Math.max(sequence, manifest.sequence()));
    }

    /** @return the store key of this cursor; it never starts like a manifest's key ({@code pipeline/}) */
    public String key() {
        return key(pipeline);
    }

    static String key(String pipeline) {
        return pipeline + "#cursor";
    }

    public byte[] encode() {
        return new Encoder(32 + pipeline.length()).u8(FORMAT).str(pipeline).i64(batchTime).i64(sequence).toByteArray();
    }

    public static BatchCursor decode(byte[] bytes) {
        Decoder in = new Decoder(bytes);
        int format = in.u8();
        if (format != FORMAT) {
            throw new IllegalStateException("batch cursor format " + format + " is not readable by this build");
        }
        BatchCursor c = new BatchCursor(in.str(), in.i64(), in.i64());
        in.end();
        return c;
    }
}
