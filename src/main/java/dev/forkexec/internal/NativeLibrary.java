package dev.forkexec.internal;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Finds and loads {@code libforkexec.so} once per class loader.
 *
 * <p>{@code -Dforkexec.library.path=/dir} names a directory holding the library (it must not be
 * writable by group or others). Otherwise the copy bundled in the jar under {@code native/<platform>/}
 * is used: {@code linux-x86_64}, {@code linux-aarch64} (by {@code os.arch}) or {@code linux-x86_64-musl}
 * when this JVM runs on musl (Alpine). Which C library the JVM uses is read from
 * {@code /proc/self/maps}: a mapped {@code ld-musl-*} or {@code libc.musl-*} means musl, a mapped
 * glibc ({@code libc.so.6}, {@code ld-linux*}, ...) means glibc (see {@link #isMusl}).
 *
 * <p>The bundled bytes are only ever loaded after their SHA-256 matched the one recorded at build time,
 * from a directory only this user can write to. Where from, in this order:
 * <ol>
 *   <li>{@code -Dforkexec.tmpdir=/dir}, when set, and nothing else: a fresh owner-only directory is
 *       made in it, the library written there, loaded, and both deleted at once;</li>
 *   <li>otherwise the per-user cache {@code $XDG_CACHE_HOME/forkexec} (default {@code ~/.cache/forkexec}):
 *       the verified library is kept there as {@code libforkexec-<sha256>.so} (mode 0500), so later JVMs load it
 *       without reading, hashing or writing the bundled copy again (the cold-start cost). It is used only
 *       while that directory is owned by this user with mode 0700, the file is owned by this user and not
 *       writable by anyone else, and no directory above it can be rewritten by another user (each is
 *       owned by root or this user, and writable by no one else unless sticky, like /tmp). A cached copy
 *       whose size is not the bundled library's (cut short by a crash) is replaced before loading;</li>
 *   <li>then, as in (1), a fresh directory in {@code java.io.tmpdir}, then in {@code $XDG_RUNTIME_DIR}.</li>
 * </ol>
 * A directory that cannot be used (missing, not writable, mounted {@code noexec}, unsafe) is skipped;
 * when none works, the {@link UnsatisfiedLinkError} names every directory tried, why it failed, and what
 * to set.
 */
public final class NativeLibrary {
    public static final String LIBRARY = "libforkexec.so";
    /** System property: a directory holding {@link #LIBRARY}, loaded as it is. */
    public static final String LIBRARY_PATH_PROPERTY = "forkexec.library.path";
    /** System property: the only directory to extract the bundled library into. */
    public static final String TMPDIR_PROPERTY = "forkexec.tmpdir";

    private static final Set<PosixFilePermission> UNSAFE = Set.of(
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
    private static final int GROUP_OTHERS_WRITE = 0022;
    private static final int GROUP_OTHERS_ANY = 0077;
    private static final int STICKY = 01000;

    private static boolean loaded;

    private NativeLibrary() {}

    // ------------------------------------------------------------------ which library

    /**
     * The directory inside the jar for this platform: {@code linux-x86_64}, {@code linux-aarch64}, and
     * the same with {@code -musl} appended when {@code musl}.
     */
    public static String platform(String osName, String osArch, boolean musl) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            throw new UnsatisfiedLinkError("forkexec runs on Linux only, not on " + osName);
        }
        String dir;
        switch (osArch) {
            case "amd64":
            case "x86_64":
                dir = "linux-x86_64";
                break;
            case "aarch64":
            case "arm64":
                dir = "linux-aarch64";
                break;
            default:
                throw new UnsatisfiedLinkError("forkexec has no native library for os.arch " + osArch);
        }
        return musl ? dir + "-musl" : dir;
    }

    /**
     * Whether the process whose {@code /proc/self/maps} text is {@code maps} runs on musl: the mapped
     * C library or dynamic loader decides ({@code ld-musl-*}, {@code libc.musl-*}, or a bare
     * {@code libc.so}, which glibc never maps: musl, also for a glibc-built JVM running on musl through
     * gcompat; {@code libc.so.6}, {@code ld-linux*}, {@code libc-2.*}, {@code ld-2.*}: glibc). When {@code maps} is null (unreadable) or shows
     * neither, the files on disk decide: musl when musl's loader exists and glibc's does not.
     */
    public static boolean isMusl(String maps, boolean muslLoaderExists, boolean glibcLoaderExists) {
        if (maps != null) {
            // From the end: the loader and the C library are mapped first, at the highest addresses.
            int end = maps.length();
            while (end > 0) {
                int start = maps.lastIndexOf('\n', end - 1) + 1;
                int slash = maps.lastIndexOf('/', end - 1);
                if (slash >= start) {
                    if (maps.startsWith("ld-musl-", slash + 1) || maps.startsWith("libc.musl-", slash + 1)
                            || maps.startsWith("libc.so", slash + 1) && isEndOfName(maps, slash + 8, end)) {
                        return true; // musl; where its loader is a link to libc.so, maps shows libc.so
                    }
                    if (maps.startsWith("libc.so.6", slash + 1) || maps.startsWith("ld-linux", slash + 1)
                            || maps.startsWith("libc-2.", slash + 1) || maps.startsWith("ld-2.", slash + 1)) {
                        return false; // glibc; before 2.34 its files are named libc-2.28.so, ld-2.28.so
                    }
                }
                end = start - 1;
            }
        }
        return muslLoaderExists && !glibcLoaderExists;
    }

    /** Whether the file name in a maps line ends at {@code i} (the line's end, or " (deleted)"). */
    private static boolean isEndOfName(String maps, int i, int end) {
        return i == end || maps.charAt(i) == ' ';
    }

    /** {@link #platform} for this JVM. */
    static String platform() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        String glibcArch = platform(os, arch, false); // throws for other systems and architectures
        String muslArch = glibcArch.endsWith("aarch64") ? "aarch64" : "x86_64";
        String maps;
        try (InputStream in = new FileInputStream("/proc/self/maps")) {
            maps = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            maps = null;
        }
        boolean musl = isMusl(maps, maps == null && Files.exists(Path.of("/lib/ld-musl-" + muslArch + ".so.1")),
                maps == null && (Files.exists(Path.of("/lib64/ld-linux-x86-64.so.2"))
                        || Files.exists(Path.of("/lib/ld-linux-aarch64.so.1"))));
        return platform(os, arch, musl);
    }

    // ------------------------------------------------------------------ loading

    public static synchronized void load() {
        if (loaded) return;
        String dir = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (dir != null && !dir.isEmpty()) {
            loadFrom(Path.of(dir));
        } else {
            new Bundled(platform()).load();
        }
        loaded = true;
    }

    private static void loadFrom(Path dir) {
        Path lib = dir.resolve(LIBRARY).toAbsolutePath();
        try {
            for (Path p : new Path[] {lib.getParent(), lib}) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (perms.stream().anyMatch(UNSAFE::contains)) {
                    throw new UnsatisfiedLinkError(LIBRARY_PATH_PROPERTY + ": refusing " + p
                            + ": it is writable by group or others (" + PosixFilePermissions.toString(perms)
                            + "); chmod go-w it");
                }
            }
        } catch (IOException e) {
            throw new UnsatisfiedLinkError(LIBRARY_PATH_PROPERTY + ": cannot read " + lib + ": " + e);
        }
        System.load(lib.toString());
    }

    /** One attempt failed; the next directory is tried. */
    private static final class Skip extends Exception {
        private static final long serialVersionUID = 1L;

        Skip(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The copy bundled in the jar for one platform, and the directories it may be loaded from. */
    private static final class Bundled {
        private final String platform;
        private final String resource;
        private final String sha256;
        private final List<String> tried = new ArrayList<>();
        private byte[] bytes;
        /** A fault of the jar itself (missing or damaged library): thrown as it is, no other directory tried. */
        private UnsatisfiedLinkError fatal;

        Bundled(String platform) {
            this.platform = platform;
            this.resource = "/native/" + platform + "/" + LIBRARY;
            this.sha256 = new String(readResource(resource + ".sha256"), StandardCharsets.US_ASCII).trim()
                    .toLowerCase(Locale.ROOT);
            if (!isHex64(sha256)) {
                throw fatal("forkexec: " + resource + ".sha256 does not hold a SHA-256; the jar is damaged or was altered");
            }
        }

        void load() {
            String chosen = System.getProperty(TMPDIR_PROPERTY);
            if (chosen != null && !chosen.isEmpty()) {
                if (tryFresh(Path.of(chosen), "-D" + TMPDIR_PROPERTY)) return;
                throw new UnsatisfiedLinkError("forkexec: cannot load " + LIBRARY + " from -D" + TMPDIR_PROPERTY
                        + "=" + chosen + ": " + String.join("; ", tried) + ". Point -D" + TMPDIR_PROPERTY
                        + " at a directory you own on a file system mounted without noexec");
            }
            Path cache = cacheDirectory();
            if (cache != null && tryCache(cache)) return;
            String tmp = System.getProperty("java.io.tmpdir");
            if (tmp != null && !tmp.isEmpty() && tryFresh(Path.of(tmp), "java.io.tmpdir")) return;
            String runtime = System.getenv("XDG_RUNTIME_DIR");
            if (runtime != null && runtime.startsWith("/") && tryFresh(Path.of(runtime), "$XDG_RUNTIME_DIR")) return;
            if (runtime == null || !runtime.startsWith("/")) tried.add("$XDG_RUNTIME_DIR: not set");
            throw new UnsatisfiedLinkError("forkexec: cannot load " + LIBRARY + " from any directory tried: "
                    + String.join("; ", tried) + ". Set -D" + TMPDIR_PROPERTY + "=/some/dir to a directory you own"
                    + " on a file system mounted without noexec, or -D" + LIBRARY_PATH_PROPERTY
                    + "=/dir to a directory holding " + LIBRARY);
        }

        /** The bundled bytes, checked against the recorded SHA-256 (read once). */
        private byte[] verifiedBytes() {
            if (bytes == null) {
                byte[] b = readResource(resource);
                String actual = sha256(b);
                if (!actual.equals(sha256)) {
                    throw fatal("forkexec: " + resource + " does not match its build-time SHA-256 (expected " + sha256
                            + ", found " + actual + "); the jar is damaged or was altered");
                }
                bytes = b;
            }
            return bytes;
        }

        private UnsatisfiedLinkError fatal(String message) {
            fatal = new UnsatisfiedLinkError(message);
            return fatal;
        }

        /** {@code $XDG_CACHE_HOME/forkexec} or {@code ~/.cache/forkexec}; null (and noted) when neither is known. */
        private Path cacheDirectory() {
            String xdg = System.getenv("XDG_CACHE_HOME");
            if (xdg != null && xdg.startsWith("/")) return Path.of(xdg, "forkexec");
            String home = System.getProperty("user.home");
            if (home != null && home.startsWith("/")) return Path.of(home, ".cache", "forkexec");
            tried.add("the per-user cache: neither $XDG_CACHE_HOME nor user.home is an absolute path");
            return null;
        }

        /** Loads the cached copy, first writing it there if it is not there yet. */
        private boolean tryCache(Path dir) {
            String what = dir + " (the per-user cache)";
            Path lib = dir.resolve("libforkexec-" + sha256 + ".so");
            boolean existed = false;
            try {
                int uid = ownUid();
                ensurePrivateDirectory(dir, uid);
                Map<String, Object> a = unixAttributes(lib);
                if (a != null && (!Boolean.TRUE.equals(a.get("isRegularFile")) || (int) a.get("uid") != uid
                        || ((int) a.get("mode") & GROUP_OTHERS_WRITE) != 0)) {
                    throw new Skip(lib + " is not a regular file owned by uid " + uid + " and writable by it alone");
                }
                if (a != null && !isComplete(lib, (long) a.get("size"))) {
                    Files.delete(lib); // cut short or damaged: dlopen of it could crash the JVM (SIGBUS)
                    a = null;
                }
                existed = a != null;
                if (a == null) store(dir, lib);
                System.load(lib.toString());
                return true;
            } catch (Skip e) {
                tried.add(what + ": " + e.getMessage());
            } catch (IOException | UnsupportedOperationException e) {
                tried.add(what + ": " + e);
            } catch (UnsatisfiedLinkError e) {
                if (e == fatal) throw e;
                tried.add(what + ": " + explain(e));
                if (existed) discardIfDamaged(lib);
            }
            return false;
        }

        /**
         * Whether a cached copy is whole: its size is the bundled library's (read from the jar's directory,
         * not its bytes); where that size is unknown, its SHA-256 is checked instead.
         */
        private boolean isComplete(Path lib, long size) throws IOException {
            long expected = sizeInCodeSource(resource.substring(1));
            if (expected >= 0) return size == expected;
            return sha256(Files.readAllBytes(lib)).equals(sha256);
        }

        /** A cached copy that failed to load and is not what it should be (a crash mid-write?) goes. */
        private void discardIfDamaged(Path lib) {
            try {
                if (!sha256(Files.readAllBytes(lib)).equals(sha256)) Files.delete(lib);
            } catch (IOException e) {
                // left for the next JVM to try; this one goes on to the other directories
            }
        }

        /**
         * Writes the verified bytes next to {@code lib} under a name of their own, durably, then renames
         * them into place (so a concurrent JVM sees the whole file or none). java.io, not NIO channels:
         * in a fresh JVM those cost tens of milliseconds of class loading. The directory is this user's
         * alone (mode 0700), so the file's mode matters only once it is in place: 0500.
         */
        private void store(Path dir, Path lib) throws IOException {
            byte[] b = verifiedBytes();
            File part = dir.resolve(".part-" + Long.toHexString(System.nanoTime()) + "-"
                    + Integer.toHexString(System.identityHashCode(b))).toFile();
            try {
                try (FileOutputStream out = new FileOutputStream(part)) {
                    out.write(b);
                    out.getFD().sync();
                }
                boolean modeSet = part.setWritable(false, false) && part.setReadable(false, false)
                        && part.setExecutable(false, false) && part.setReadable(true, true)
                        && part.setExecutable(true, true);
                if (!modeSet || !part.renameTo(lib.toFile())) {
                    throw new IOException("cannot set the mode of " + part + " or rename it to " + lib);
                }
            } finally {
                part.delete(); // gone already when the rename happened
            }
        }

        /** Extracts into a fresh owner-only directory inside {@code parent}, loads, deletes both. */
        private boolean tryFresh(Path parent, String origin) {
            String what = parent + " (" + origin + ")";
            Path dir = null;
            Path lib = null;
            try {
                byte[] b = verifiedBytes();
                dir = Files.createTempDirectory(parent, "forkexec-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                lib = dir.resolve(LIBRARY);
                Files.write(lib, b);
                Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("r-x------"));
                System.load(lib.toString());
                return true;
            } catch (NoSuchFileException e) {
                tried.add(what + ": no such directory");
            } catch (IOException e) {
                tried.add(what + ": " + e);
            } catch (UnsatisfiedLinkError e) {
                if (e == fatal) throw e;
                tried.add(what + ": " + explain(e));
            } finally {
                deleteQuietly(lib);
                deleteQuietly(dir);
            }
            return false;
        }

        private byte[] readResource(String name) {
            byte[] b = readFromCodeSource(name.substring(1));
            if (b != null) return b;
            try (InputStream in = NativeLibrary.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw fatal("forkexec: " + name + " is not in the jar; it was built without the native library"
                            + " for " + platform);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("forkexec: cannot read " + name, e);
            }
        }
    }

    /**
     * The entry {@code name} of the jar (or class directory) this class was loaded from; null when that
     * is not a local file or lacks the entry. Quicker in a fresh JVM than a class-path resource lookup,
     * which first searches the JDK's own modules, and it cannot pick up another copy of forkexec.
     */
    private static byte[] readFromCodeSource(String name) {
        try {
            File root = codeSource();
            if (root == null) return null;
            if (root.isDirectory()) {
                File f = new File(root, name);
                if (!f.isFile()) return null;
                try (InputStream in = new FileInputStream(f)) {
                    return in.readAllBytes();
                }
            }
            try (ZipFile jar = new ZipFile(root)) {
                ZipEntry e = jar.getEntry(name);
                if (e == null) return null;
                try (InputStream in = jar.getInputStream(e)) {
                    return in.readAllBytes();
                }
            }
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            return null; // the class loader's own lookup follows
        }
    }

    /** The size of the entry {@code name} of the jar (or class directory) this class came from; -1 if unknown. */
    private static long sizeInCodeSource(String name) {
        try {
            File root = codeSource();
            if (root == null) return -1;
            if (root.isDirectory()) {
                File f = new File(root, name);
                return f.isFile() ? f.length() : -1;
            }
            try (ZipFile jar = new ZipFile(root)) {
                ZipEntry e = jar.getEntry(name);
                return e == null ? -1 : e.getSize();
            }
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            return -1;
        }
    }

    /** The local jar or directory this class was loaded from; null when it is not a local file. */
    private static File codeSource() {
        CodeSource source = NativeLibrary.class.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        if (location == null || !"file".equals(location.getProtocol())) return null;
        try {
            return new File(location.toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The load error, with the likely cause when the file system refused to map it executable. */
    private static String explain(UnsatisfiedLinkError e) {
        String m = e.getMessage();
        if (m != null && m.contains("failed to map segment")) {
            return m + " (the file system is probably mounted noexec)";
        }
        return m;
    }

    /** The effective uid of this process: the owner of /proc/self. */
    private static int ownUid() throws IOException, Skip {
        Map<String, Object> a = unixAttributes(Path.of("/proc/self"));
        if (a == null) throw new Skip("/proc/self is missing, so this process's uid is unknown");
        return (int) a.get("uid");
    }

    /** uid, mode (with the file type bits) and type of {@code p} itself (not a link's target); null if missing. */
    private static Map<String, Object> unixAttributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, "unix:uid,mode,size,isRegularFile,isDirectory", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Makes {@code dir} (mode 0700) if it is missing and checks it: a directory, not a link, owned by
     * {@code uid}, closed to group and others; and no directory above it replaceable by another user.
     */
    private static void ensurePrivateDirectory(Path dir, int uid) throws IOException, Skip {
        Map<String, Object> a = unixAttributes(dir);
        if (a == null) Files.createDirectories(dir.getParent());
        for (Path p = dir.getParent().toRealPath(); p != null; p = p.getParent()) {
            Map<String, Object> up = unixAttributes(p);
            int owner = (int) up.get("uid");
            int mode = (int) up.get("mode");
            if (owner != 0 && owner != uid) {
                throw new Skip(p + " is owned by uid " + owner + ", neither root nor this user (uid " + uid + ")");
            }
            if ((mode & GROUP_OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new Skip(p + " is writable by group or others (mode " + Integer.toOctalString(mode & 07777) + ")");
            }
        }
        if (a == null) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // another JVM made it just now: checked below like any other
            }
            a = unixAttributes(dir);
        }
        if (a == null || !Boolean.TRUE.equals(a.get("isDirectory")) || (int) a.get("uid") != uid
                || ((int) a.get("mode") & GROUP_OTHERS_ANY) != 0) {
            throw new Skip(dir + " is not a directory owned by uid " + uid + " with mode 0700");
        }
    }

    private static boolean isHex64(String s) {
        if (s.length() != 64) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) return false;
        }
        return true;
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
