package io.sluice.core.loading;

import io.sluice.function.BatchFunction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A function class loaded from its jar in its own class loader. Closing it closes the loader and
 * deletes the jar's temporary copy.
 */
public final class LoadedFunction implements AutoCloseable {

    private final Class<?> type;
    private final FunctionClassLoader loader;
    private final Path jarFile;

    LoadedFunction(Class<?> type, FunctionClassLoader loader, Path jarFile) {
        this.type = type;
        this.loader = loader;
        this.jarFile = jarFile;
    }

    /** @return the loaded class */
    public Class<?> type() {
        return type;
    }

    /** @return the loader the function class lives in; use it as the context class loader when calling the function */
    public ClassLoader classLoader() {
        return loader;
    }

    /**
     * @return a new instance, made with the public no-argument constructor
     * @throws InvalidFunctionException if the constructor throws
     */
    public BatchFunction newInstance() throws InvalidFunctionException {
        return newInstance(BatchFunction.class);
    }

    /**
     * @return a new instance of the class, which implements {@code kind}
     * @throws InvalidFunctionException if the class is not a {@code kind} or its constructor throws
     */
    public <T> T newInstance(Class<T> kind) throws InvalidFunctionException {
        if (!kind.isAssignableFrom(type)) {
            throw new InvalidFunctionException("class " + type.getName() + " does not implement " + kind.getName());
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return kind.cast(type.getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new InvalidFunctionException("creating " + type.getName() + " failed: " + cause, cause);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public void close() {
        try {
            loader.close();
            Files.deleteIfExists(jarFile);
        } catch (IOException e) {
            throw new UncheckedIOException("could not release function jar " + jarFile, e);
        }
    }
}
