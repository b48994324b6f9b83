package io.sluice.core.table;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import io.sluice.core.registry.Names;
import io.sluice.core.sql.InputSchema;


/**
 * A table: the latest value of every key of a topic, kept in the store and readable over HTTP. It
 * is either a pipeline's output materialised ({@code pipeline} names it) or a compacted topic
 * loaded as it is, for SQL to join. A record with a null value deletes its key, as compaction does.
 *
 * @param name      the table's name
 * @param topic     the topic it follows
 * @param schema    the values' columns, for SQL and for display; {@code null} for opaque values
 * @param pipeline  the pipeline whose output it is, or empty for a loaded topic
 * @param createdAt when it was defined, epoch milliseconds
 */
public record TableSpec(String name, String topic, InputSchema schema, String pipeline, long createdAt) {

    private static final int FORMAT = 1;

    public TableSpec {
        Names.checkName("table", name);
        Names.checkTopic(topic);
        pipeline = pipeline == null ? "" : pipeline;
    }

    /** @return whether a pipeline writes this table's topic */
    public boolean materialised() {
        return !pipeline.isEmpty();
    }

    byte[] encode() {
        Encoder out = new Encoder().u8(FORMAT).str(name).str(topic).str(pipeline).i64(createdAt);
        out.bool(schema != null);
        if (schema != null) {
            out.str(schema.declaration()).str(schema.format().name());
        }
        return out.toByteArray();
    }

    static TableSpec decode(byte[] bytes) {
        Decoder in = new Decoder(bytes);
        int format = in.u8();
        if (format != FORMAT) {
            throw new IllegalStateException("table spec format " + format + " is not " + FORMAT);
        }
        String name = in.str();
        String topic = in.str();
        String pipeline = in.str();
        long createdAt = in.i64();
        InputSchema schema = in.bool() ? InputSchema.parse(in.str(), InputSchema.Format.valueOf(in.str())) : null;
        in.end();
        return new TableSpec(name, topic, schema, pipeline, createdAt);
    }
}
