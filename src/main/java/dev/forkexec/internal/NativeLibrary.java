package dev.forkexec.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * Finds and loads {@code libforkexec.so} once per class loader.
 *
 * <p>{@code -Dforkexec.library.path=/dir} names a directory holding the library (it must not be
 * writable by group or others). Otherwise the copy bundled in the jar under
 * {@code native/linux-<arch>/} is checked against the SHA-256 recorded at build time, extracted into
 * a fresh owner-only temporary directory, loaded, and deleted again.
 */
public final class NativeLibrary {
    public static final String LIBRARY = "libforkexec.so";
    private static final Set<PosixFilePermission> UNSAFE = Set.of(
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    private static boolean loaded;

    private NativeLibrary() {}

    /** The platform directory inside the jar, e.g. {@code linux-x86_64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            throw new UnsatisfiedLinkError("forkexec runs on Linux only, not on " + System.getProperty("os.name"));
        }
        String arch = System.getProperty("os.arch", "");
        switch (arch) {
            case "amd64":
            case "x86_64":
                return "linux-x86_64";
            case "aarch64":
            case "arm64":
                return "linux-aarch64";
            default:
                throw new UnsatisfiedLinkError("forkexec has no native library for os.arch " + arch);
        }
    }

    public static synchronized void load() {
        if (loaded) return;
        String dir = System.getProperty("forkexec.library.path");
        if (dir != null && !dir.isEmpty()) {
            loadFrom(Path.of(dir));
        } else {
            extractAndLoad("/native/" + platform() + "/" + LIBRARY);
        }
        loaded = true;
    }

    private static void loadFrom(Path dir) {
        Path lib = dir.resolve(LIBRARY).toAbsolutePath();
        try {
            for (Path p : new Path[] {lib.getParent(), lib}) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (perms.stream().anyMatch(UNSAFE::contains)) {
                    throw new UnsatisfiedLinkError("forkexec.library.path: refusing " + p
                            + ": it is writable by group or others (" + PosixFilePermissions.toString(perms)
                            + "); chmod go-w it");
                }
            }
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("forkexec.library.path: cannot read " + lib + ": " + e);
        }
        System.load(lib.toString());
    }

    private static void extractAndLoad(String resource) {
        byte[] bytes = readResource(resource);
        String expected = new String(readResource(resource + ".sha256"), StandardCharsets.US_ASCII).trim();
        String actual = sha256(bytes);
        if (!actual.equalsIgnoreCase(expected)) {
            throw new UnsatisfiedLinkError("forkexec: " + resource + " does not match its build-time SHA-256 (expected "
                    + expected + ", found " + actual + "); the jar is damaged or was altered");
        }
        Path dir = null;
        Path lib = null;
        try {
            dir = Files.createTempDirectory("forkexec-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            lib = dir.resolve(LIBRARY);
            Files.write(lib, bytes);
            Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("r-x------"));
            System.load(lib.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("forkexec: cannot extract " + resource + " to a temporary directory", e);
        } finally {
            deleteQuietly(lib);
            deleteQuietly(dir);
        }
    }

    private static byte[] readResource(String name) {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("forkexec: " + name + " is not on the classpath; this jar was built"
                        + " without the native library for " + platform());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("forkexec: cannot read " + name, e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover in a private directory is harmless; the load itself succeeded or already failed
        }
    }
}
