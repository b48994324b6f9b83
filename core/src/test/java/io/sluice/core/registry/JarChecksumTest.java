package io.sluice.core.registry;

import org.infinispan.Cache;
import org.infinispan.configuration.cache.CacheMode;
import org.infinispan.configuration.cache.Configuration;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A jar is only handed out if it hashes to the SHA-256 its version was registered with. The grid
 * is a real local Infinispan, configured as {@code SluiceNode.local()} does, with the jar cache in
 * reach so that a test can overwrite an entry the way a bug or a stray writer would.
 */
class JarChecksumTest {

    private DefaultCacheManager grid;
    private Cache<String, byte[]> jars;
    private Registry registry;

    @BeforeEach
    void startGrid() {
        grid = new DefaultCacheManager(new GlobalConfigurationBuilder().nonClusteredDefault().build(), false);
        Configuration local = new ConfigurationBuilder().clustering().cacheMode(CacheMode.LOCAL).build();
        for (String cache : new String[] {"functions", "jars", "pipelines"}) {
            grid.defineConfiguration(cache, local);
        }
        grid.start();
        jars = grid.getCache("jars");
        registry = new Registry(grid.getCache("functions"), jars, grid.getCache("pipelines"));
    }

    @AfterEach
    void stopGrid() {
        grid.stop();
    }

    @Test
    void aJarEntryThatWasOverwrittenIsRefusedNotLoaded() {
        FunctionSpec spec = registry.putFunction("fn", "com.acme.Fn", bytes("the registered jar"));
        assertArrayEquals(bytes("the registered jar"), registry.jar("fn", 1, spec.sha256()));

        jars.put(spec.jarKey(), bytes("some other jar"));

        JarMismatchException refused = assertThrows(JarMismatchException.class,
                () -> registry.jar("fn", 1, spec.sha256()));
        String reason = refused.getMessage();
        assertTrue(reason.startsWith("the stored jar of fn@1 has SHA-256 " + Registry.sha256(bytes("some other jar"))
                + ", not the " + spec.sha256() + " it was registered with; it is not loaded"), reason);
        assertThrows(JarMismatchException.class, () -> registry.jar(spec));
    }

    @Test
    void aTaskPinnedToAJarIsRefusedWhenItsVersionWasRegisteredAgainWithAnother() {
        FunctionSpec before = registry.putFunction("fn", "com.acme.Fn", bytes("first upload"));
        registry.removeFunction("fn");
        FunctionSpec after = registry.putFunction("fn", "com.acme.Fn", bytes("second upload"));
        assertTrue(before.ref().equals(after.ref()), "the version number was reused: " + after.ref());

        JarMismatchException refused = assertThrows(JarMismatchException.class,
                () -> registry.jar("fn", 1, before.sha256()));
        assertTrue(refused.getMessage().startsWith("fn@1 is registered with a jar of SHA-256 " + after.sha256()
                + ", not the " + before.sha256() + " this task was given"), refused.getMessage());
        assertArrayEquals(bytes("second upload"), registry.jar("fn", 1, after.sha256()));
    }

    @Test
    void aMissingJarIsUnknownNotAMismatch() {
        FunctionSpec spec = registry.putFunction("fn", "com.acme.Fn", bytes("jar"));
        jars.remove(spec.jarKey());
        UnknownEntryException missing = assertThrows(UnknownEntryException.class,
                () -> registry.jar("fn", 1, spec.sha256()));
        assertTrue(missing.getMessage().equals("no jar stored for function fn@1"), missing.getMessage());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
