package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.internal.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
 * The loader: the bundled library is checked, extracted into a private temporary directory, loaded and
 * deleted at once; -Dforkexec.library.path refuses directories others could write to.
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
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(TestSupport.javaCommand(cp, List.of(jvmArgs), mode))
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
        Map<String, String> kv = childJvmMode("values", TestSupport.classpath(), "-Dforkexec.library.path=" + dir.resolve("none"));
        assertEquals("signal 9 (SIGKILL)", kv.get("killed"), kv.get(""));
        assertEquals("exit 3", kv.get("exited"), kv.get(""));
        assertEquals("ProcessSpec[echo, hi] childFDs={0='w', 1='r', 2='r'}", kv.get("spec"), kv.get(""));
        assertEquals("false", kv.get("loaded"), "the value types loaded the native library");
    }

    @Test
    void thisJvmLoadedTheBundledCopyAndItsFileIsGone() throws Exception {
        assertEquals("clone-vm", Subprocess.spawnMechanism()); // loads the library if nothing did yet
        List<String> mapped;
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            mapped = maps.filter(l -> l.contains("/" + NativeLibrary.LIBRARY)).map(l -> l.substring(l.indexOf('/')))
                    .distinct().collect(Collectors.toList());
        }
        assertEquals(1, mapped.size(), mapped.toString());
        String path = mapped.get(0);
        String tmp = Path.of(System.getProperty("java.io.tmpdir")).toRealPath().toString();
        assertTrue(path.startsWith(tmp + "/forkexec-"), "not extracted into java.io.tmpdir: " + path);
        assertTrue(path.endsWith("/" + NativeLibrary.LIBRARY + " (deleted)"), "the extracted file was kept: " + path);
        Path extractedDir = Path.of(path.substring(0, path.lastIndexOf('/')));
        assertFalse(Files.exists(extractedDir), "the extraction directory was kept: " + extractedDir);
    }

    @Test
    void freshJvmExtractsIntoAPrivateDirectoryAndDeletesItRightAfterLoading() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Map<String, String> kv = childJvmMode("loader", TestSupport.classpath(), "-Djava.io.tmpdir=" + tmp);
        assertEquals("clone-vm", kv.get("mechanism"), kv.get(""));
        String maps = kv.get("maps");
        assertTrue(maps.startsWith(tmp.toRealPath() + "/forkexec-") && maps.endsWith("/libforkexec.so (deleted)"),
                "mapped from " + maps);
        assertEquals("", kv.get("tmp"), "java.io.tmpdir while the JVM still ran, after loading");
        assertEquals(List.of(), list(tmp), "java.io.tmpdir after the JVM exited");
    }

    @Test
    void tamperedBundledLibraryIsRefused() throws Exception {
        String cp = TestSupport.copyClasspath(Files.createDirectory(dir.resolve("cp")));
        Path lib = Path.of(cp.split(":")[0], "native", "linux-x86_64", NativeLibrary.LIBRARY);
        assertTrue(Files.exists(lib), lib.toString());
        Files.write(lib, new byte[] {0}, StandardOpenOption.APPEND);
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Map<String, String> kv = childJvmMode("load", cp, "-Djava.io.tmpdir=" + tmp);
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError") && error.contains("SHA-256"),
                kv.get(""));
        assertEquals(List.of(), list(tmp), "nothing extracted for a damaged library");
    }

    private Path libraryDir(String dirMode, String fileMode) throws Exception {
        Path libDir = Files.createDirectory(dir.resolve("lib"));
        Path lib = libDir.resolve(NativeLibrary.LIBRARY);
        Files.copy(Path.of(TestSupport.classRoots().get(0).toString(), "native", "linux-x86_64", NativeLibrary.LIBRARY),
                lib);
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString(fileMode));
        Files.setPosixFilePermissions(libDir, PosixFilePermissions.fromString(dirMode));
        return libDir;
    }

    @Test
    void libraryPathWithASafeDirectoryLoads() throws Exception {
        Path libDir = libraryDir("rwxr-xr-x", "rwxr-xr-x");
        Map<String, String> kv = childJvmMode("load", TestSupport.classpath(), "-Dforkexec.library.path=" + libDir);
        assertEquals("clone-vm", kv.get("loaded mechanism"), kv.get(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rwxrwxr-x", "rwxr-xrwx", "rwxrwxrwx"})
    void libraryPathWithADirectoryOthersCanWriteIsRefusedNamingIt(String mode) throws Exception {
        Path libDir = libraryDir(mode, "rwxr-xr-x");
        Map<String, String> kv = childJvmMode("load", TestSupport.classpath(), "-Dforkexec.library.path=" + libDir);
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError"), kv.get(""));
        assertTrue(error.contains(libDir.toString()) && error.contains("writable by group or others")
                && error.contains(mode), error);
    }

    @Test
    void libraryPathWithAFileOthersCanWriteIsRefusedNamingIt() throws Exception {
        Path libDir = libraryDir("rwxr-xr-x", "rwxrwxr-x");
        Map<String, String> kv = childJvmMode("load", TestSupport.classpath(), "-Dforkexec.library.path=" + libDir);
        String error = kv.get("error");
        assertTrue(error != null && error.contains(libDir.resolve(NativeLibrary.LIBRARY).toString())
                && error.contains("writable by group or others"), kv.get(""));
    }

    @Test
    void libraryPathWithoutTheLibraryIsRefusedNamingIt() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Map<String, String> kv = childJvmMode("load", TestSupport.classpath(), "-Dforkexec.library.path=" + empty);
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError")
                && error.contains(empty.toString()), kv.get(""));
    }
}
