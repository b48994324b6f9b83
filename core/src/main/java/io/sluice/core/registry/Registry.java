package io.sluice.core.registry;

import io.sluice.core.cluster.CacheScan;
import org.infinispan.Cache;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryCreated;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryModified;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryRemoved;
import org.infinispan.notifications.cachelistener.event.CacheEntryEvent;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The functions and pipelines Sluice knows, kept in the data grid so that every role sees the same:
 * the gateway writes here, the scheduler reacts to pipeline changes, runtimes read function jars.
 *
 * <p>Functions are versioned: registering a name again adds the next version. A pipeline pins the
 * version it was created with.
 *
 * <p>Several gateways, in several processes, may write at once, so no JVM lock can order their
 * writes: every write that can race is a conditional grid operation ({@code putIfAbsent},
 * {@code replace} or {@code remove} of the value as read), and a jar is handed out only if it
 * hashes to the SHA-256 its version was registered with.
 */
public final class Registry {

    private final Cache<String, byte[]> functions;
    private final Cache<String, byte[]> jars;
    private final Cache<String, byte[]> pipelines;
    private final Clock clock;

    public Registry(Cache<String, byte[]> functions, Cache<String, byte[]> jars, Cache<String, byte[]> pipelines) {
        this(functions, jars, pipelines, Clock.systemUTC());
    }

    Registry(Cache<String, byte[]> functions, Cache<String, byte[]> jars, Cache<String, byte[]> pipelines, Clock clock) {
        this.functions = functions;
        this.jars = jars;
        this.pipelines = pipelines;
        this.clock = clock;
    }

    /**
     * Stores a new version of a function. The caller has already validated the jar.
     *
     * <p>Gateways in several processes may upload the same name at once, so nothing here relies on
     * a lock. The jar goes first under a key of its own that no other upload writes; then the
     * version is claimed with {@code putIfAbsent}, and a claim that loses to another upload tries
     * the next number. Whichever version an upload gets, its spec names the jar it stored, never
     * another upload's.
     *
     * @param name the function name
     * @param className the class implementing {@code BatchFunction}
     * @param jar the jar bytes
     * @return the stored version
     */
    public FunctionSpec putFunction(String name, String className, byte[] jar) {
        Names.checkName("function", name);
        Names.checkClassName(className);
        if (BuiltIns.reserved(name)) {
            throw new IllegalArgumentException("function name '" + name + "' is reserved for SQL pipelines; choose another");
        }
        String sha = sha256(jar);
        String jarKey = storeJar(name, jar);
        int version = latestFunction(name).map(FunctionSpec::version).orElse(0) + 1;
        while (true) {
            FunctionSpec spec = new FunctionSpec(name, version, className, sha, jar.length, clock.millis(), jarKey);
            if (functions.putIfAbsent(spec.ref(), spec.encode()) == null) {
                return spec;
            }
            version++;
        }
    }

    /**
     * Stores a jar under a fresh random key. If the version claim that follows never happens (the
     * gateway dies in between), the entry is left unreferenced: wasted space, never a wrong jar.
     */
    private String storeJar(String name, byte[] jar) {
        while (true) {
            String key = name + "/" + UUID.randomUUID();
            if (jars.putIfAbsent(key, jar) == null) {
                return key;
            }
        }
    }

    /** @return the newest version of the function, if any */
    public Optional<FunctionSpec> latestFunction(String name) {
        if (BuiltIns.reserved(name)) {
            return function(name, 1);
        }
        return functionVersions(name).stream().reduce((a, b) -> b);
    }

    /** @return every version of the function, oldest first */
    public List<FunctionSpec> functionVersions(String name) {
        return CacheScan.entries(functions, name + "@").values().stream()
                .map(FunctionSpec::decode)
                .sorted(Comparator.comparingInt(FunctionSpec::version))
                .toList();
    }

    /** @return that version of the function, if registered */
    public Optional<FunctionSpec> function(String name, int version) {
        FunctionSpec builtIn = BuiltIns.function(name, version);
        if (builtIn != null) {
            return Optional.of(builtIn);
        }
        return Optional.ofNullable(functions.get(name + "@" + version)).map(FunctionSpec::decode);
    }

    /** @return the newest version of every function, by name */
    public List<FunctionSpec> functions() {
        return CacheScan.entries(functions, "").values().stream()
                .map(FunctionSpec::decode)
                .collect(java.util.stream.Collectors.toMap(FunctionSpec::name, f -> f,
                        (a, b) -> a.version() >= b.version() ? a : b))
                .values().stream()
                .sorted(Comparator.comparing(FunctionSpec::name))
                .toList();
    }

    /**
     * Reads a version's jar for loading, checked against the SHA-256 the caller was given (a
     * runtime gets it with the task, from the spec the scheduler pinned).
     *
     * @param sha256 the SHA-256 the caller expects the jar to have
     * @return the jar's bytes, which hash to {@code sha256}
     * @throws UnknownEntryException if the version or its jar is not stored
     * @throws JarMismatchException if the version is now registered with another jar, or its stored bytes are not the registered jar
     */
    public byte[] jar(String name, int version, String sha256) {
        FunctionSpec spec = function(name, version)
                .orElseThrow(() -> new UnknownEntryException("no function " + name + "@" + version + " is registered"));
        if (!spec.sha256().equals(sha256)) {
            throw new JarMismatchException(spec.ref() + " is registered with a jar of SHA-256 " + spec.sha256()
                    + ", not the " + sha256 + " this task was given (the function was deleted and uploaded again);"
                    + " it is not loaded");
        }
        return jar(spec);
    }

    /**
     * Reads a version's jar, checked against the SHA-256 its spec records: a jar entry that was
     * overwritten or damaged in the grid is never handed out as if it were the registered one.
     *
     * @return the jar's bytes, which hash to {@code spec.sha256()}
     * @throws UnknownEntryException if the jar is not stored
     * @throws JarMismatchException if the stored bytes are not the registered jar
     */
    public byte[] jar(FunctionSpec spec) {
        byte[] jar = jars.get(spec.jarKey());
        if (jar == null) {
            throw new UnknownEntryException("no jar stored for function " + spec.ref());
        }
        String stored = sha256(jar);
        if (!stored.equals(spec.sha256())) {
            throw new JarMismatchException("the stored jar of " + spec.ref() + " has SHA-256 " + stored
                    + ", not the " + spec.sha256() + " it was registered with; it is not loaded:"
                    + " upload the function again and create the pipeline on the new version");
        }
        return jar;
    }

    /**
     * Removes every version of a function.
     *
     * @throws UnknownEntryException if no such function exists
     * @throws ConflictException if a pipeline still uses it
     */
    public void removeFunction(String name) {
        List<FunctionSpec> versions = functionVersions(name);
        if (versions.isEmpty()) {
            throw new UnknownEntryException("no function named '" + name + "'");
        }
        List<String> users = pipelines().stream().filter(p -> p.function().equals(name)).map(PipelineSpec::name).toList();
        if (!users.isEmpty()) {
            throw new ConflictException("function '" + name + "' is used by pipeline(s) " + users
                    + "; delete those first");
        }
        for (FunctionSpec v : versions) {
            // Only the version as read: if it was removed and claimed again meanwhile, the new one stays.
            if (functions.remove(v.ref(), v.encode())) {
                jars.remove(v.jarKey());
            }
        }
    }

    /**
     * Creates a pipeline.
     *
     * @throws UnknownEntryException if its function version is not registered
     * @throws ConflictException if a pipeline of that name exists
     */
    public PipelineSpec createPipeline(PipelineSpec spec) {
        if (function(spec.function(), spec.functionVersion()).isEmpty()) {
            throw new UnknownEntryException("no function " + spec.function() + "@" + spec.functionVersion()
                    + "; register it first");
        }
        if (pipelines.putIfAbsent(spec.name(), spec.encode()) != null) {
            throw new ConflictException("a pipeline named '" + spec.name() + "' already exists");
        }
        return spec;
    }

    /** @return the pipeline, if it exists */
    public Optional<PipelineSpec> pipeline(String name) {
        return Optional.ofNullable(pipelines.get(name)).map(PipelineSpec::decode);
    }

    /** @return every pipeline, by name */
    public List<PipelineSpec> pipelines() {
        return CacheScan.entries(pipelines, "").values().stream().map(PipelineSpec::decode)
                .sorted(Comparator.comparing(PipelineSpec::name)).toList();
    }

    /**
     * Sets what a pipeline should do.
     *
     * @return the updated pipeline
     * @throws UnknownEntryException if there is no such pipeline, or it was deleted while this changed it
     */
    public PipelineSpec setPipelineState(String name, PipelineState state) {
        return changePipeline(name, spec -> spec.withState(state));
    }

    /**
     * Read-modify-write of a pipeline, for any change. The write is a conditional replace of the
     * entry as it was read: if a delete lands in between, the replace finds no entry and fails, so
     * the change is refused instead of writing the deleted pipeline back (a plain put would). If
     * another change lands in between, this one is applied again on top of it. Values compare by
     * content: Infinispan wraps {@code byte[]} values for equality.
     */
    private PipelineSpec changePipeline(String name, UnaryOperator<PipelineSpec> change) {
        byte[] current = pipelines.get(name);
        if (current == null) {
            throw new UnknownEntryException("no pipeline named '" + name + "'");
        }
        while (true) {
            PipelineSpec updated = change.apply(PipelineSpec.decode(current));
            if (pipelines.replace(name, current, updated.encode())) {
                return updated;
            }
            current = pipelines.get(name);
            if (current == null) {
                throw new UnknownEntryException("pipeline '" + name + "' does not exist: it was deleted while"
                        + " this change was being made; nothing was changed");
            }
        }
    }

    /**
     * Deletes a pipeline. The scheduler stops it; batches already cut are abandoned.
     *
     * @throws UnknownEntryException if there is no such pipeline
     */
    public void removePipeline(String name) {
        if (pipelines.remove(name) == null) {
            throw new UnknownEntryException("no pipeline named '" + name + "'");
        }
    }

    /**
     * Calls {@code onChange} with a pipeline's name whenever it is created, changed or removed, on
     * any member of the cluster. The callback must not block.
     */
    public void onPipelineChange(Consumer<String> onChange) {
        pipelines.addListener(new PipelineListener(Objects.requireNonNull(onChange)));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Listener(clustered = true)
    public static final class PipelineListener {
        private final Consumer<String> onChange;

        PipelineListener(Consumer<String> onChange) {
            this.onChange = onChange;
        }

        @CacheEntryCreated
        @CacheEntryModified
        @CacheEntryRemoved
        public void changed(CacheEntryEvent<String, byte[]> event) {
            if (!event.isPre()) {
                onChange.accept(event.getKey());
            }
        }
    }
}
