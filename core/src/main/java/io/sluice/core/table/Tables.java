package io.sluice.core.table;

import io.sluice.core.cluster.CacheScan;
import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import io.sluice.core.registry.ConflictException;
import io.sluice.core.registry.UnknownEntryException;
import org.infinispan.Cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tables in the store: their definitions, their rows (the latest value of each key), how far
 * into its topic each table has read, and a version that changes whenever rows do, so a reader
 * that keeps a copy (a SQL join) knows when to read again. All in one cache, replicated like the
 * blocks; keys are {@code def/<table>}, {@code row/<table>/<key>}, {@code pos/<table>/<partition>}
 * and {@code ver/<table>}.
 */
public final class Tables {

    /** The most rows one page returns. */
    public static final int MAX_PAGE = 1000;

    private final Cache<String, byte[]> cache;

    public Tables(Cache<String, byte[]> cache) {
        this.cache = cache;
    }

    /** A page of rows, in key order, and the key to continue after, if there are more. */
    public record Page(List<Map.Entry<String, byte[]>> rows, String next) {
    }

    /**
     * @throws ConflictException if a table of that name exists
     */
    public TableSpec define(TableSpec spec) {
        if (cache.putIfAbsent("def/" + spec.name(), spec.encode()) != null) {
            throw new ConflictException("a table named '" + spec.name() + "' already exists");
        }
        return spec;
    }

    public Optional<TableSpec> table(String name) {
        return Optional.ofNullable(cache.get("def/" + name)).map(TableSpec::decode);
    }

    /** @return every table, by name */
    public List<TableSpec> tables() {
        return CacheScan.entries(cache, "def/").values().stream().map(TableSpec::decode)
                .sorted(Comparator.comparing(TableSpec::name)).toList();
    }

    /**
     * Deletes a table, its rows and its read positions.
     *
     * @throws UnknownEntryException if there is no such table
     */
    public void delete(String name) {
        if (cache.remove("def/" + name) == null) {
            throw new UnknownEntryException("no table named '" + name + "'");
        }
        for (String prefix : List.of("row/" + name + "/", "pos/" + name + "/")) {
            CacheScan.entries(cache, prefix).keySet().forEach(cache::remove);
        }
        cache.remove("ver/" + name);
    }

    /**
     * Applies records read from the table's topic, in offset order per partition, and then the
     * positions after them: a crash in between applies some records twice, which leaves the same
     * rows, since each is the latest value of its key.
     *
     * @param upserts   the keys and latest values (a {@code null} value deletes the key)
     * @param positions the next offset to read, by partition
     */
    public void apply(String table, Map<String, byte[]> upserts, Map<Integer, Long> positions) {
        Map<String, byte[]> puts = new HashMap<>();
        for (Map.Entry<String, byte[]> e : upserts.entrySet()) {
            if (e.getValue() == null) {
                cache.remove("row/" + table + "/" + e.getKey());
            } else {
                puts.put("row/" + table + "/" + e.getKey(), e.getValue());
            }
        }
        if (!puts.isEmpty()) {
            cache.putAll(puts);
        }
        Map<String, byte[]> pos = new HashMap<>();
        positions.forEach((p, offset) -> pos.put("pos/" + table + "/" + p, new Encoder().i64(offset).toByteArray()));
        cache.putAll(pos);
        if (!upserts.isEmpty()) {
            byte[] old = cache.get("ver/" + table);
            cache.put("ver/" + table, new Encoder().i64(old == null ? 1 : new Decoder(old).i64() + 1).toByteArray());
        }
    }

    /** @return the next offset to read of each partition read before */
    public Map<Integer, Long> positions(String table) {
        Map<Integer, Long> out = new HashMap<>();
        String prefix = "pos/" + table + "/";
        CacheScan.entries(cache, prefix).forEach((k, v) ->
                out.put(Integer.parseInt(k.substring(prefix.length())), new Decoder(v).i64()));
        return out;
    }

    /** @return a number that changes whenever the table's rows do (0 before the first) */
    public long version(String table) {
        byte[] v = cache.get("ver/" + table);
        return v == null ? 0 : new Decoder(v).i64();
    }

    /** @return the latest value of {@code key}, if the table has it */
    public Optional<byte[]> get(String table, String key) {
        return Optional.ofNullable(cache.get("row/" + table + "/" + key));
    }

    /** @return every row of the table, by key */
    public Map<String, byte[]> rows(String table) {
        String prefix = "row/" + table + "/";
        Map<String, byte[]> out = new TreeMap<>();
        CacheScan.entries(cache, prefix).forEach((k, v) -> out.put(k.substring(prefix.length()), v));
        return out;
    }

    /**
     * @param after the last key of the page before, or {@code null} for the first page
     * @param limit how many rows, 1 to {@link #MAX_PAGE}
     */
    public Page page(String table, String after, int limit) {
        List<Map.Entry<String, byte[]>> rows = new ArrayList<>();
        TreeMap<String, byte[]> all = (TreeMap<String, byte[]>) rows(table);
        var tail = after == null ? all : all.tailMap(after, false);
        String next = null;
        for (Map.Entry<String, byte[]> e : tail.entrySet()) {
            if (rows.size() == limit) {
                next = rows.get(rows.size() - 1).getKey();
                break;
            }
            rows.add(Map.entry(e.getKey(), e.getValue()));
        }
        return new Page(rows, next);
    }

    /** @return the text form of a record key, as rows are keyed */
    public static String key(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }
}
