package io.sluice.core.encoding;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Reads what {@link Encoder} wrote. Malformed input fails with {@link MalformedDataException}. */
public final class Decoder {

    private final int length;
    private final DataInputStream in;

    public Decoder(byte[] bytes) {
        this.length = bytes.length;
        this.in = new DataInputStream(new ByteArrayInputStream(bytes));
    }

    public int u8() {
        return read(in::readUnsignedByte);
    }

    public boolean bool() {
        return read(in::readBoolean);
    }

    public int i32() {
        return read(in::readInt);
    }

    public long i64() {
        return read(in::readLong);
    }

    public double f64() {
        return read(in::readDouble);
    }

    public String str() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    public String nullableStr() {
        return bool() ? str() : null;
    }

    public byte[] bytes() {
        int len = count();
        byte[] out = new byte[len];
        read(() -> {
            in.readFully(out);
            return out;
        });
        return out;
    }

    public List<String> strings() {
        return list(Decoder::str);
    }

    public Map<String, String> stringMap() {
        int n = count();
        Map<String, String> map = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
            map.put(str(), str());
        }
        return map;
    }

    public <T> List<T> list(Function<Decoder, T> element) {
        int n = count();
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.apply(this));
        }
        return out;
    }

    /** @throws MalformedDataException if bytes remain unread */
    public void end() {
        int left = read(in::available);
        if (left != 0) {
            throw new MalformedDataException(left + " unexpected trailing bytes");
        }
    }

    private int count() {
        int n = i32();
        if (n < 0 || n > length) {
            throw new MalformedDataException("length " + n + " does not fit in " + length + " bytes");
        }
        return n;
    }

    private <T> T read(IoRead<T> action) {
        try {
            return action.read();
        } catch (EOFException e) {
            throw new MalformedDataException("truncated: ended before all fields were read");
        } catch (IOException e) {
            throw new MalformedDataException("unreadable: " + e.getMessage());
        }
    }

    private interface IoRead<T> {
        T read() throws IOException;
    }
}
