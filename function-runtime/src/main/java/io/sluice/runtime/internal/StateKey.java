package io.sluice.runtime.internal;

import java.util.Arrays;

/**
 * A key of a stateful stage's state, compared by content in the order a shuffle groups records:
 * no key first, then keys by unsigned bytes. In the changelog topic, which is compacted and so needs
 * a key on every record, a key is written with a one-byte tag that also keeps it apart from the
 * partition's watermark.
 */
final class StateKey implements Comparable<StateKey> {

    private static final byte NULL = 'n';
    private static final byte KEY = 'k';
    /** The changelog key of the record that says which batch a partition's state is after. */
    static final byte[] WATERMARK = {'w'};

    private final byte[] bytes;
    private final int hash;

    StateKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = bytes == null ? -1 : Arrays.hashCode(bytes);
    }

    /** @return the user's key, or {@code null} */
    byte[] bytes() {
        return bytes;
    }

    /** @return the key as written in the changelog */
    byte[] changelogKey() {
        if (bytes == null) {
            return new byte[] {NULL};
        }
        byte[] tagged = new byte[bytes.length + 1];
        tagged[0] = KEY;
        System.arraycopy(bytes, 0, tagged, 1, bytes.length);
        return tagged;
    }

    /**
     * @return the key a changelog record stores state under, or {@code null} for the watermark
     * @throws IllegalArgumentException if the record was not written by Sluice
     */
    static StateKey fromChangelog(byte[] key) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("a changelog record without a key");
        }
        return switch (key[0]) {
            case NULL -> new StateKey(null);
            case KEY -> new StateKey(Arrays.copyOfRange(key, 1, key.length));
            case 'w' -> null;
            default -> throw new IllegalArgumentException("a changelog key with the unknown tag " + key[0]);
        };
    }

    @Override
    public int compareTo(StateKey o) {
        if (bytes == null || o.bytes == null) {
            return bytes == o.bytes ? 0 : bytes == null ? -1 : 1;
        }
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return bytes == null ? "(no key)" : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
