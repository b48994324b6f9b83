package io.sluice.runtime.internal;

import io.sluice.core.loading.FunctionJars;
import io.sluice.core.registry.BuiltIns;
import io.sluice.core.table.Tables;
import io.sluice.runtime.sql.UsesTables;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.loading.LoadedFunction;
import io.sluice.core.registry.Registry;
import io.sluice.core.wire.WireMessage.FunctionRef;
import io.sluice.function.BatchFunction;
import io.sluice.function.Reducer;
import io.sluice.function.StateFunction;
import io.sluice.function.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Opened function instances, one per (pipeline, function version, parameters), each in its own
 * class loader. The jar is fetched from the registry, checked against the SHA-256 the task names,
 * and loaded once; {@code open} runs once. The key holds that SHA-256 too, so a version number that
 * was deleted and registered again with another jar never reuses the old instance.
 * An instance nobody used for {@link #IDLE} is closed and its loader released. A failed load or
 * open is not cached: the next task tries again, since the cause may have been transient.
 */
final class FunctionCache implements AutoCloseable {

    static final Duration IDLE = Duration.ofMinutes(5);
    private static final Logger log = LoggerFactory.getLogger(FunctionCache.class);

    private final String runtimeName;
    private final Map<Key, Entry> entries = new HashMap<>();

    FunctionCache(String runtimeName) {
        this.runtimeName = runtimeName;
    }

    private record Key(String pipeline, FunctionRef ref, Map<String, String> parameters, Class<?> kind) {
    }

    /** A loaded, opened function; hand it back with {@link #release}. */
    static final class Entry {
        private final Key key;
        private final ClassLoader loader;
        private final Runnable unload;
        private final Object instance;
        private int inUse;
        private long lastUsed;

        private Entry(Key key, LoadedFunction loaded, Object instance) {
            this(key, loaded.classLoader(), loaded::close, instance);
        }

        private Entry(Key key, ClassLoader loader, Runnable unload, Object instance) {
            this.key = key;
            this.loader = loader;
            this.unload = unload;
            this.instance = instance;
        }

        BatchFunction function() {
            return (BatchFunction) instance;
        }

        Reducer reducer() {
            return (Reducer) instance;
        }

        StateFunction stateFunction() {
            return (StateFunction) instance;
        }

        ClassLoader classLoader() {
            return loader;
        }
    }

    /**
     * @return the opened function, loading and opening it first if needed
     * @throws InvalidFunctionException if the jar or class cannot be loaded
     * @throws FunctionOpenException    if the function's {@code open} throws
     */

    /**
     * @param kind {@code BatchFunction} (opened before use and closed when unloaded) or
     *     {@code Reducer} (which has no life cycle)
     * @return the loaded instance of {@code ref}'s class, which implements {@code kind}
     */
    Entry acquire(Registry registry, Tables tables, String pipeline, FunctionRef ref, Map<String, String> parameters,
                  Class<?> kind)
            throws InvalidFunctionException, FunctionOpenException {
        Key key = new Key(pipeline, ref, parameters, kind);
        synchronized (this) {
            evictIdle(System.nanoTime());
            Entry entry = entries.get(key);
            if (entry != null) {
                entry.inUse++;
                return entry;
            }
        }
        // Loading and opening happen outside the lock; if two slots race, one instance is kept.
        Entry created = load(registry, tables, key);
        Entry existing;
        synchronized (this) {
            existing = entries.putIfAbsent(key, created);
            if (existing == null) {
                created.inUse++;
                log.info("Loaded {} for pipeline {} ({})", ref, pipeline, ref.className());
                return created;
            }
            existing.inUse++;
        }
        closeQuietly(created);
        return existing;
    }

    synchronized void release(Entry entry) {
        entry.inUse--;
        entry.lastUsed = System.nanoTime();
    }

    private Entry load(Registry registry, Tables tables, Key key) throws InvalidFunctionException, FunctionOpenException {
        if (BuiltIns.loadable(key.ref().sha256(), key.ref().className())) {
            return builtIn(key, tables);
        }
        byte[] jar = registry.jar(key.ref().name(), key.ref().version(), key.ref().sha256());
        LoadedFunction loaded = FunctionJars.load(jar, key.ref().className(), BatchFunction.class.getClassLoader(),
                key.kind());
        if (key.kind() == Reducer.class) {
            try {
                return new Entry(key, loaded, loaded.newInstance(Reducer.class));
            } catch (InvalidFunctionException e) {
                loaded.close();
                throw e;
            }
        }
        Object function;
        try {
            function = key.kind() == StateFunction.class ? loaded.newInstance(StateFunction.class) : loaded.newInstance();
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(loaded.classLoader());
            try {
                Context context = new Context(key.ref(), key.pipeline(), runtimeName, key.parameters());
                if (function instanceof StateFunction stateful) {
                    stateful.open(context);
                } else {
                    ((BatchFunction) function).open(context);
                }
            } finally {
                thread.setContextClassLoader(previous);
            }
        } catch (InvalidFunctionException e) {
            loaded.close();
            throw e;
        } catch (Exception e) {
            loaded.close();
            throw new FunctionOpenException(e);
        }
        return new Entry(key, loaded, function);
    }

    /** A function that ships with Sluice: from the runtime's own class path, opened like any other. */
    private Entry builtIn(Key key, Tables tables) throws InvalidFunctionException, FunctionOpenException {
        ClassLoader loader = FunctionCache.class.getClassLoader();
        Object instance;
        try {
            Class<?> type = Class.forName(key.ref().className(), true, loader);
            if (!key.kind().isAssignableFrom(type)) {
                throw new InvalidFunctionException("built-in " + type.getName() + " does not implement " + key.kind().getName());
            }
            instance = type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new InvalidFunctionException("built-in " + key.ref().className() + " cannot be created: " + e, e);
        }
        if (instance instanceof UsesTables user) {
            user.useTables(tables);
        }
        try {
            Context context = new Context(key.ref(), key.pipeline(), runtimeName, key.parameters());
            if (instance instanceof StateFunction stateful) {
                stateful.open(context);
            } else if (instance instanceof BatchFunction function) {
                function.open(context);
            }
        } catch (Exception e) {
            throw new FunctionOpenException(e);
        }
        return new Entry(key, loader, () -> { }, instance);
    }

    private void evictIdle(long now) {
        List<Entry> idle = new ArrayList<>();
        entries.values().removeIf(e -> {
            boolean evict = e.inUse == 0 && now - e.lastUsed > IDLE.toNanos();
            if (evict) {
                idle.add(e);
            }
            return evict;
        });
        idle.forEach(e -> {
            log.info("Unloading idle {} of pipeline {}", e.key.ref(), e.key.pipeline());
            closeQuietly(e);
        });
    }

    @Override
    public synchronized void close() {
        entries.values().forEach(FunctionCache::closeQuietly);
        entries.clear();
    }

    private static void closeQuietly(Entry entry) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(entry.loader);
        try {
            if (entry.instance instanceof BatchFunction function) {
                function.close();
            } else if (entry.instance instanceof StateFunction function) {
                function.close();
            }
        } catch (Exception | LinkageError e) {
            log.warn("{} threw from close(): {}", entry.key.ref(), e.toString());
        } finally {
            thread.setContextClassLoader(previous);
            entry.unload.run();
        }
    }

    /** The function's {@code open} threw; the cause is the function's exception. */
    static final class FunctionOpenException extends Exception {
        FunctionOpenException(Throwable cause) {
            super(cause);
        }
    }

    private record Context(FunctionRef ref, String pipeline, String runtimeId, Map<String, String> parameters)
            implements FunctionContext {

        @Override
        public String functionName() {
            return ref.name();
        }

        @Override
        public int functionVersion() {
            return ref.version();
        }
    }
}
