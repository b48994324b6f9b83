package io.sluice.core.block;

/**
 * The binary layout of a block, version 1. All integers are big-endian.
 *
 * <pre>
 * header   magic 'S' 'B' | version u8 | flags u8 | record count i32 | topic table offset i32
 * records  offset i64 | timestamp i64 | topic index u16 | source partition i32
 *          | key length i32 (-1 = null) | key bytes | value length i32 (-1 = null) | value bytes
 * topics   count u16, then per topic: length u16 | UTF-8 bytes
 * </pre>
 *
 * The topic table comes last so that records can be appended as they arrive, before all topics
 * are known; the header is patched when the block is sealed.
 */
final class BlockFormat {

    static final byte MAGIC_0 = 'S';
    static final byte MAGIC_1 = 'B';
    static final byte VERSION = 1;
    static final int HEADER_SIZE = 12;
    static final int RECORD_FIXED_SIZE = 8 + 8 + 2 + 4 + 4 + 4;
    static final int MAX_TOPICS = 0xFFFF;

    private BlockFormat() {
    }
}
