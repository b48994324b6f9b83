package io.sluice.core.registry;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.util.Objects;

/**
 * One registered version of a function: which class to load from which jar.
 *
 * @param name the function name
 * @param version the version, counted from 1 for each name
 * @param className the class implementing {@code BatchFunction}
 * @param sha256 the jar's SHA-256, lower-case hex
 * @param jarSize the jar's size in bytes
 * @param createdAt when this version was registered, epoch milliseconds
 * @param jarKey where the jar's bytes are in {@code sluice-jars}: a key that only the upload which
 *     registered this version ever wrote, so no other upload can put its bytes under this version
 */
public record FunctionSpec(String name, int version, String className, String sha256, long jarSize, long createdAt,
                           String jarKey) {

    private static final int FORMAT = 2;

    public FunctionSpec {
        Names.checkName("function", name);
        Names.checkClassName(className);
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(jarKey, "jarKey");
        if (version < 1) {
            throw new IllegalArgumentException("function versions start at 1, was " + version);
        }
    }

    /** @return {@code name@version}, how logs and errors refer to this version */
    public String ref() {
        return name + "@" + version;
    }

    byte[] encode() {
        return new Encoder().u8(FORMAT).str(name).i32(version).str(className).str(sha256).i64(jarSize).i64(createdAt)
                .str(jarKey).toByteArray();
    }

    static FunctionSpec decode(byte[] bytes) {
        Decoder in = new Decoder(bytes);
        if (in.u8() != FORMAT) {
            throw new IllegalStateException("function spec format not readable by this build");
        }
        FunctionSpec spec = new FunctionSpec(in.str(), in.i32(), in.str(), in.str(), in.i64(), in.i64(), in.str());
        in.end();
        return spec;
    }
}
