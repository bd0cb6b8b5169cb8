package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.internal.NativeLibrary;
import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The loader: the bundled library is checked against its SHA-256 and loaded from the per-user cache
 * (stored there once, used only while no other user can write to it), or with -Dforkexec.tmpdir from a
 * private directory emptied right after loading; -Dforkexec.library.path refuses directories others
 * could write to. Surefire points $XDG_CACHE_HOME into target/, so the tests never touch ~/.cache.
 * The noexec fallbacks are in NativeLibraryNoexecTest.
 */
@Timeout(60)
class NativeLibraryTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-loader-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestSupport.deleteTree(dir);
    }

    private static Map<String, String> childJvmMode(String mode, String cp, String... jvmArgs) throws Exception {
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(JavaCommand.main(ChildJvmMain.class, mode).classpath(cp)
                .jvmArgs(jvmArgs).toList())
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assertEquals(ExitStatus.exited(0), r.status(), r.err());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        kv.put("", r.out());
        return kv;
    }

    private static List<String> list(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void valueTypesWorkWithoutTheNativeLibrary() throws Exception {
        // A library path that cannot load: any use of the library would throw UnsatisfiedLinkError.
        Map<String, String> kv = childJvmMode("values", JavaCommand.classpath(), "-Dforkexec.library.path=" + dir.resolve("none"));
        assertEquals("signal 9 (SIGKILL)", kv.get("killed"), kv.get(""));
        assertEquals("exit 3", kv.get("exited"), kv.get(""));
        assertEquals("ProcessSpec[echo, hi] childFDs={0='w', 1='r', 2='r'}", kv.get("spec"), kv.get(""));
        assertEquals("false", kv.get("loaded"), "the value types loaded the native library");
    }

    /** The bundled x86_64 glibc library (the one this host loads) as the build left it in the classes. */
    static Path bundled() {
        return Path.of(JavaCommand.classRoots().get(0).toString(), "native", "linux-x86_64", NativeLibrary.LIBRARY);
    }

    /** The SHA-256 the build recorded for {@link #bundled()}. */
    static String bundledSha256() throws Exception {
        return Files.readString(bundled().resolveSibling(NativeLibrary.LIBRARY + ".sha256")).trim();
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** Where the loader keeps its verified copy under a cache home ($XDG_CACHE_HOME). */
    static Path cachedCopy(Path cacheHome) throws Exception {
        return cacheHome.resolve("forkexec").resolve("libforkexec-" + bundledSha256() + ".so");
    }

    /** Environment changes for {@link #loaderChild}: key, value, key, value...; a null value removes it. */
    static Map<String, String> env(String... keysAndValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put(keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    /**
     * Runs {@link LoaderChildMain} in a fresh JVM (class path {@code cp}) with these environment changes
     * and JVM flags, listing {@code dirs} after loading. Returns its key=value lines, and "" for all of
     * its output.
     */
    static Map<String, String> loaderChild(String cp, Map<String, String> envChanges, List<String> jvmArgs,
            Path... dirs) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        for (Map.Entry<String, String> e : envChanges.entrySet()) {
            if (e.getValue() == null) {
                env.remove(e.getKey());
            } else {
                env.put(e.getKey(), e.getValue());
            }
        }
        JavaCommand cmd = JavaCommand.main(LoaderChildMain.class).classpath(cp).jvmArgs("--enable-native-access=ALL-UNNAMED")
                .jvmArgs(jvmArgs);
        for (Path d : dirs) cmd.args(d.toString());
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(cmd.toList()).environment(env)
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assertEquals(ExitStatus.exited(0), r.status(), r.err());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        kv.put("", r.out() + r.err());
        return kv;
    }

    static Map<String, String> loaderChild(Map<String, String> envChanges, List<String> jvmArgs, Path... dirs)
            throws Exception {
        return loaderChild(JavaCommand.classpath(), envChanges, jvmArgs, dirs);
    }

    /** The cache home this JVM's loader used: $XDG_CACHE_HOME (surefire sets it), else ~/.cache. */
    private static Path ourCacheHome() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        return xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void thisJvmLoadedTheVerifiedCopyFromThePerUserCache() throws Exception {
        assertEquals("clone-vm", Subprocess.spawnMechanism()); // loads the library if nothing did yet
        List<String> mapped = ProcFs.maps().stream().filter(l -> l.contains("/libforkexec"))
                .map(l -> l.substring(l.indexOf('/'))).distinct().collect(Collectors.toList());
        Path cached = cachedCopy(ourCacheHome());
        assertEquals(List.of(cached.toRealPath().toString()), mapped);
        assertEquals("rwx------", mode(cached.getParent()));
        assertEquals("r-x------", mode(cached));
        assertEquals(bundledSha256(), sha256(cached));
    }

    @Test
    void firstJvmStoresTheVerifiedLibraryInTheCacheAndTheNextLoadsThatFile() throws Exception {
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path cached = cachedCopy(cacheHome);
        Map<String, String> first = loaderChild(env("XDG_CACHE_HOME", cacheHome.toString()),
                List.of("-Djava.io.tmpdir=" + tmp), tmp);
        assertEquals("clone-vm", first.get("mechanism"), first.get(""));
        assertEquals(cached.toRealPath().toString(), first.get("maps"));
        assertEquals("", first.get("list.0"), "java.io.tmpdir after loading");
        assertEquals(List.of(cached.getFileName().toString()), list(cached.getParent()), "a temporary file was left");
        assertEquals("rwx------", mode(cached.getParent()));
        assertEquals("r-x------", mode(cached));
        assertEquals(bundledSha256(), sha256(cached));
        Object inode = Files.readAttributes(cached, BasicFileAttributes.class).fileKey();
        FileTime written = Files.getLastModifiedTime(cached);

        Map<String, String> second = loaderChild(env("XDG_CACHE_HOME", cacheHome.toString()),
                List.of("-Djava.io.tmpdir=" + tmp), tmp);
        assertEquals("clone-vm", second.get("mechanism"), second.get(""));
        assertEquals(cached.toRealPath().toString(), second.get("maps"));
        assertEquals(inode, Files.readAttributes(cached, BasicFileAttributes.class).fileKey(), "the copy was replaced");
        assertEquals(written, Files.getLastModifiedTime(cached), "the copy was rewritten");
        assertEquals("", second.get("list.0"), "java.io.tmpdir after loading");
    }

    @Test
    void forkexecTmpdirIsTheOnlyPlaceUsedAndIsEmptiedRightAfterLoading() throws Exception {
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Path chosen = Files.createDirectory(dir.resolve("chosen"));
        Map<String, String> kv = loaderChild(env("XDG_CACHE_HOME", cacheHome.toString()),
                List.of("-Dforkexec.tmpdir=" + chosen), chosen, cacheHome);
        assertEquals("clone-vm", kv.get("mechanism"), kv.get(""));
        String maps = kv.get("maps");
        assertTrue(maps.startsWith(chosen.toRealPath() + "/forkexec-") && maps.endsWith("/libforkexec.so (deleted)"),
                "mapped from " + maps);
        assertEquals("", kv.get("list.0"), "the extraction directory while the JVM still ran, after loading");
        assertEquals("", kv.get("list.1"), "the cache was used although -Dforkexec.tmpdir was given");
        assertEquals(List.of(), list(chosen), "the extraction directory after the JVM exited");
    }

    /** The cache under {@code cacheHome} must not be used: the library comes from java.io.tmpdir. */
    private void assertCacheSkipped(Path cacheHome, String why) throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Map<String, String> kv = loaderChild(env("XDG_CACHE_HOME", cacheHome.toString()),
                List.of("-Djava.io.tmpdir=" + tmp), tmp);
        assertEquals("clone-vm", kv.get("mechanism"), kv.get(""));
        String maps = kv.get("maps");
        assertTrue(maps.startsWith(tmp.toRealPath() + "/forkexec-") && maps.endsWith("/libforkexec.so (deleted)"),
                why + ": mapped from " + maps);
        assertEquals("", kv.get("list.0"), "java.io.tmpdir after loading");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rwxrwxrwx", "rwxrwx---", "rwxr-x---", "rwx---r-x"})
    void cacheDirectoryOpenToOthersIsNotUsed(String dirMode) throws Exception {
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Path forkexec = Files.createDirectory(cacheHome.resolve("forkexec"));
        Files.setPosixFilePermissions(forkexec, PosixFilePermissions.fromString(dirMode));
        assertCacheSkipped(cacheHome, "cache directory mode " + dirMode);
        assertEquals(List.of(), list(forkexec), "something was stored in a cache directory others can open");
    }

    @Test
    void cacheBelowADirectoryOthersCanRewriteIsNotUsed() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx")); // and not sticky
        Path cacheHome = Files.createDirectory(open.resolve("cache"));
        assertCacheSkipped(cacheHome, "an ancestor with mode 0777");
        assertFalse(Files.exists(cachedCopy(cacheHome)), "the library was stored below a directory others can rewrite");
    }

    @Test
    void cacheBelowAStickyDirectoryIsUsed() throws Exception {
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777); // like /tmp: others cannot rename what is ours
        Path cacheHome = Files.createDirectory(sticky.resolve("cache"));
        Map<String, String> kv = loaderChild(env("XDG_CACHE_HOME", cacheHome.toString()), List.of());
        assertEquals(cachedCopy(cacheHome).toRealPath().toString(), kv.get("maps"), kv.get(""));
    }

    @Test
    void cachedCopyOthersCanWriteIsNotLoaded() throws Exception {
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Path cached = cachedCopy(cacheHome);
        Files.createDirectory(cached.getParent(), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.copy(bundled(), cached);
        Files.setPosixFilePermissions(cached, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertCacheSkipped(cacheHome, "a cached copy with mode 0777");
    }

    /** A cached copy cut short (a crash, a full disk) would crash the JVM in dlopen (SIGBUS): it is replaced first. */
    @Test
    void truncatedCachedCopyIsReplacedBeforeLoading() throws Exception {
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Path cached = cachedCopy(cacheHome);
        Files.createDirectory(cached.getParent(), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.write(cached, java.util.Arrays.copyOf(Files.readAllBytes(bundled()), 4096));
        Files.setPosixFilePermissions(cached, PosixFilePermissions.fromString("r-x------"));
        Map<String, String> kv = loaderChild(env("XDG_CACHE_HOME", cacheHome.toString()), List.of());
        assertEquals("clone-vm", kv.get("mechanism"), kv.get(""));
        assertEquals(cached.toRealPath().toString(), kv.get("maps"), kv.get(""));
        assertEquals(bundledSha256(), sha256(cached));
    }

    @Test
    void tamperedBundledLibraryIsRefused() throws Exception {
        String cp = JavaCommand.copyClasspath(Files.createDirectory(dir.resolve("cp")));
        Path lib = Path.of(cp.split(":")[0], "native", "linux-x86_64", NativeLibrary.LIBRARY);
        assertTrue(Files.exists(lib), lib.toString());
        Files.write(lib, new byte[] {0}, StandardOpenOption.APPEND);
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Map<String, String> kv = loaderChild(cp, env("XDG_CACHE_HOME", cacheHome.toString()),
                List.of("-Djava.io.tmpdir=" + tmp));
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError") && error.contains("SHA-256")
                && !error.contains("any directory"), kv.get(""));
        assertEquals("", kv.get("maps"), "a library was loaded");
        assertEquals(List.of(), list(tmp), "something was extracted for a damaged library");
        assertFalse(Files.exists(cachedCopy(cacheHome)), "a damaged library was cached");
    }

    private Path libraryDir(String dirMode, String fileMode) throws Exception {
        Path libDir = Files.createDirectory(dir.resolve("lib"));
        Path lib = libDir.resolve(NativeLibrary.LIBRARY);
        Files.copy(Path.of(JavaCommand.classRoots().get(0).toString(), "native", "linux-x86_64", NativeLibrary.LIBRARY),
                lib);
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString(fileMode));
        Files.setPosixFilePermissions(libDir, PosixFilePermissions.fromString(dirMode));
        return libDir;
    }

    @Test
    void libraryPathWithASafeDirectoryLoads() throws Exception {
        Path libDir = libraryDir("rwxr-xr-x", "rwxr-xr-x");
        Map<String, String> kv = childJvmMode("load", JavaCommand.classpath(), "-Dforkexec.library.path=" + libDir);
        assertEquals("clone-vm", kv.get("loaded mechanism"), kv.get(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rwxrwxr-x", "rwxr-xrwx", "rwxrwxrwx"})
    void libraryPathWithADirectoryOthersCanWriteIsRefusedNamingIt(String mode) throws Exception {
        Path libDir = libraryDir(mode, "rwxr-xr-x");
        Map<String, String> kv = childJvmMode("load", JavaCommand.classpath(), "-Dforkexec.library.path=" + libDir);
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError"), kv.get(""));
        assertTrue(error.contains(libDir.toString()) && error.contains("writable by group or others")
                && error.contains(mode), error);
    }

    @Test
    void libraryPathWithAFileOthersCanWriteIsRefusedNamingIt() throws Exception {
        Path libDir = libraryDir("rwxr-xr-x", "rwxrwxr-x");
        Map<String, String> kv = childJvmMode("load", JavaCommand.classpath(), "-Dforkexec.library.path=" + libDir);
        String error = kv.get("error");
        assertTrue(error != null && error.contains(libDir.resolve(NativeLibrary.LIBRARY).toString())
                && error.contains("writable by group or others"), kv.get(""));
    }

    @Test
    void libraryPathWithoutTheLibraryIsRefusedNamingIt() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Map<String, String> kv = childJvmMode("load", JavaCommand.classpath(), "-Dforkexec.library.path=" + empty);
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError")
                && error.contains(empty.toString()), kv.get(""));
    }
}
