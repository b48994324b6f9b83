package io.sluice.function.testing;

import io.sluice.function.Emitter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An {@link Emitter} that keeps what it is given, for unit tests of functions. */
public final class CollectingEmitter implements Emitter {

    /**
     * One emitted record.
     *
     * @param key   the key bytes, or {@code null}
     * @param value the value bytes, or {@code null}
     */
    public record Emitted(byte[] key, byte[] value) {

        /** @return the key decoded as UTF-8, or {@code null} */
        public String keyAsString() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }

        /** @return the value decoded as UTF-8, or {@code null} */
        public String valueAsString() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
    }

    private final List<Emitted> emitted = new ArrayList<>();

    @Override
    public void emit(byte[] key, byte[] value) {
        emitted.add(new Emitted(key == null ? null : key.clone(), value == null ? null : value.clone()));
    }

    /** @return everything emitted so far, in order */
    public List<Emitted> records() {
        return List.copyOf(emitted);
    }

    /**
     * @return the emitted records as a map from key to value, both UTF-8 decoded; a later record
     *     replaces an earlier one with the same key
     */
    public Map<String, String> asStringMap() {
        Map<String, String> map = new LinkedHashMap<>();
        emitted.forEach(e -> map.put(e.keyAsString(), e.valueAsString()));
        return map;
    }
}
