package io.sluice.core.loading;

import io.sluice.function.BatchFunction;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Checks and loads function jars. The same checks run when a function is registered (so a bad jar
 * is refused before it is stored) and when a runtime loads it.
 */
public final class FunctionJars {

    private FunctionJars() {
    }

    /**
     * Checks that {@code jar} is a jar holding {@code className}, a public, concrete class that
     * implements {@code BatchFunction} and has a public no-argument constructor. The class is loaded
     * without being initialised, so none of its code runs.
     *
     * @throws InvalidFunctionException saying in one line what is wrong
     */
    public static void validate(byte[] jar, String className) throws InvalidFunctionException {
        validate(jar, className, BatchFunction.class);
    }

    /**
     * The same checks as {@link #validate(byte[], String)}, for a class that implements {@code kind}
     * (a {@code BatchFunction}, or a {@code Reducer} named by a stage).
     *
     * @throws InvalidFunctionException saying in one line what is wrong
     */
    public static void validate(byte[] jar, String className, Class<?> kind) throws InvalidFunctionException {
        try (LoadedFunction ignored = load(jar, className, FunctionJars.class.getClassLoader(), kind)) {
            // loading performs every check
        }
    }

    /**
     * Loads a function class from jar bytes in its own {@link FunctionClassLoader}.
     *
     * @param jar the jar bytes
     * @param className the class implementing {@code BatchFunction}
     * @param parent the platform class loader that provides the function API
     * @return the loaded class; close it when the function is unloaded
     * @throws InvalidFunctionException saying in one line what is wrong
     */
    public static LoadedFunction load(byte[] jar, String className, ClassLoader parent) throws InvalidFunctionException {
        return load(jar, className, parent, BatchFunction.class);
    }

    /**
     * Loads a class implementing {@code kind} from jar bytes in its own {@link FunctionClassLoader}.
     *
     * @throws InvalidFunctionException saying in one line what is wrong
     */
    public static LoadedFunction load(byte[] jar, String className, ClassLoader parent, Class<?> kind)
            throws InvalidFunctionException {
        String entry = className.replace('.', '/') + ".class";
        checkJar(jar, entry);
        Path file;
        try {
            file = Files.createTempFile("sluice-function-", ".jar");
            Files.write(file, jar);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a temporary copy of the function jar: " + e.getMessage(), e);
        }
        FunctionClassLoader loader = null;
        try {
            loader = new FunctionClassLoader("sluice-function:" + className, file.toUri().toURL(), parent);
            Class<?> type = checkClass(Class.forName(className, false, loader), className, kind);
            return new LoadedFunction(type, loader, file);
        } catch (ClassNotFoundException | LinkageError | IOException e) {
            release(loader, file);
            throw new InvalidFunctionException("class " + className + " cannot be loaded from the jar: " + e, e);
        } catch (InvalidFunctionException e) {
            release(loader, file);
            throw e;
        }
    }

    private static void checkJar(byte[] jar, String classEntry) throws InvalidFunctionException {
        if (jar.length < 4 || jar[0] != 'P' || jar[1] != 'K') {
            throw new InvalidFunctionException("upload is not a jar (no zip signature in the first bytes)");
        }
        boolean found = false;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals(classEntry)) {
                    found = true;
                }
            }
        } catch (ZipException e) {
            throw new InvalidFunctionException("upload is not a readable jar: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidFunctionException("upload is not a readable jar: " + e);
        }
        if (!found) {
            throw new InvalidFunctionException("class " + classEntry.replace('/', '.').replace(".class", "")
                    + " not found in the jar (no entry " + classEntry + ")");
        }
    }

    private static Class<?> checkClass(Class<?> type, String className, Class<?> kind) throws InvalidFunctionException {
        if (!kind.isAssignableFrom(type)) {
            throw new InvalidFunctionException("class " + className + " does not implement " + kind.getName());
        }
        int mods = type.getModifiers();
        if (type.isInterface() || Modifier.isAbstract(mods)) {
            throw new InvalidFunctionException("class " + className + " is abstract; register a concrete class");
        }
        if (!Modifier.isPublic(mods)) {
            throw new InvalidFunctionException("class " + className + " is not public");
        }
        try {
            Constructor<?> constructor = type.getConstructor();
            if (!Modifier.isPublic(constructor.getModifiers())) {
                throw new NoSuchMethodException();
            }
        } catch (NoSuchMethodException e) {
            throw new InvalidFunctionException("class " + className + " has no public no-argument constructor");
        }
        return type;
    }

    private static void release(FunctionClassLoader loader, Path file) {
        try {
            if (loader != null) {
                loader.close();
            }
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file left behind is harmless; the original failure matters more
        }
    }
}
