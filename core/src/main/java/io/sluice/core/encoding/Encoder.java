package io.sluice.core.encoding;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Writes the small binary values Sluice keeps in its store and sends on its wire: big-endian
 * numbers, length-prefixed UTF-8 strings, nullable fields, lists and string maps.
 */
public final class Encoder {

    private final ByteArrayOutputStream bytes;
    private final DataOutputStream out;

    public Encoder() {
        this(128);
    }

    public Encoder(int initialCapacity) {
        bytes = new ByteArrayOutputStream(initialCapacity);
        out = new DataOutputStream(bytes);
    }

    public Encoder u8(int v) {
        return run(() -> out.writeByte(v));
    }

    public Encoder bool(boolean v) {
        return run(() -> out.writeBoolean(v));
    }

    public Encoder i32(int v) {
        return run(() -> out.writeInt(v));
    }

    public Encoder i64(long v) {
        return run(() -> out.writeLong(v));
    }

    public Encoder f64(double v) {
        return run(() -> out.writeDouble(v));
    }

    /** Writes a non-null string. */
    public Encoder str(String v) {
        return bytes(v.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a string that may be null. */
    public Encoder nullableStr(String v) {
        bool(v != null);
        return v == null ? this : str(v);
    }

    /** Writes a length-prefixed byte array. */
    public Encoder bytes(byte[] v) {
        return run(() -> {
            out.writeInt(v.length);
            out.write(v);
        });
    }

    public Encoder strings(List<String> values) {
        return list(values, Encoder::str);
    }

    public Encoder stringMap(Map<String, String> map) {
        i32(map.size());
        map.forEach((k, v) -> str(k).str(v));
        return this;
    }

    public <T> Encoder list(List<T> values, BiConsumer<Encoder, T> element) {
        i32(values.size());
        for (T value : values) {
            element.accept(this, value);
        }
        return this;
    }

    public byte[] toByteArray() {
        return bytes.toByteArray();
    }

    private Encoder run(IoAction action) {
        try {
            action.run();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }
}
