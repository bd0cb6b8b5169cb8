package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Loading when directories are mounted {@code noexec} (hardened hosts, some containers), on a real
 * noexec tmpfs: the loader goes on to the next directory, and when none works its error names every
 * directory tried and what to set. Needs mount(2) (root with CAP_SYS_ADMIN); skipped, saying so,
 * where it is not allowed.
 */
@Timeout(60)
class NativeLibraryNoexecTest {
    private Path dir;
    private Path noexec;
    private boolean mounted;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-noexec-test");
        noexec = Files.createDirectory(dir.resolve("noexec"));
        TestSupport.Result r = TestSupport.run(ProcessSpec.command("mount", "-t", "tmpfs", "-o", "noexec,size=4m",
                "tmpfs", noexec.toString()).childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        mounted = r.status().isSuccess();
        Assumptions.assumeTrue(mounted, "SKIPPED: cannot mount a noexec tmpfs here (mount: " + r.err().strip()
                + "); the noexec fallback needs root with CAP_SYS_ADMIN to be tested");
        Files.createDirectory(noexec.resolve("tmp"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (mounted) {
            TestSupport.Result r = TestSupport.run(ProcessSpec.command("umount", noexec.toString())
                    .childFDs(Map.of(2, ChildFD.parentReads())).build());
            if (!r.status().isSuccess()) {
                TestSupport.run(ProcessSpec.command("umount", "-l", noexec.toString()).childFDs(Map.of()).build());
            }
        }
        TestSupport.deleteTree(dir);
    }

    @Test
    void noexecJavaTmpdirStillLoads() throws Exception {
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Map<String, String> kv = NativeLibraryTest.loaderChild(NativeLibraryTest.env("XDG_CACHE_HOME",
                cacheHome.toString(), "XDG_RUNTIME_DIR", null), List.of("-Djava.io.tmpdir=" + noexec.resolve("tmp")));
        assertEquals("clone-vm", kv.get("mechanism"), kv.get(""));
        assertEquals(NativeLibraryTest.cachedCopy(cacheHome).toRealPath().toString(), kv.get("maps"));
    }

    @Test
    void noexecCacheAndTmpdirFallBackToXdgRuntimeDir() throws Exception {
        Path runtime = Files.createDirectory(dir.resolve("runtime"));
        Map<String, String> kv = NativeLibraryTest.loaderChild(NativeLibraryTest.env("XDG_CACHE_HOME",
                noexec.resolve("cache").toString(), "XDG_RUNTIME_DIR", runtime.toString()),
                List.of("-Djava.io.tmpdir=" + noexec.resolve("tmp")), runtime);
        assertEquals("clone-vm", kv.get("mechanism"), kv.get(""));
        String maps = kv.get("maps");
        assertTrue(maps.startsWith(runtime.toRealPath() + "/forkexec-") && maps.endsWith("/libforkexec.so (deleted)"),
                "mapped from " + maps);
        assertEquals("", kv.get("list.0"), "$XDG_RUNTIME_DIR after loading");
    }

    @Test
    void everyDirectoryNoexecFailsNamingEachOneAndWhatToSet() throws Exception {
        Path cache = noexec.resolve("cache");
        Path tmp = noexec.resolve("tmp");
        Path runtime = Files.createDirectory(noexec.resolve("runtime"));
        Map<String, String> kv = NativeLibraryTest.loaderChild(NativeLibraryTest.env("XDG_CACHE_HOME",
                cache.toString(), "XDG_RUNTIME_DIR", runtime.toString()), List.of("-Djava.io.tmpdir=" + tmp));
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError"), kv.get(""));
        for (String named : List.of(cache.resolve("forkexec") + " (the per-user cache)", tmp + " (java.io.tmpdir)",
                runtime + " ($XDG_RUNTIME_DIR)", "mounted noexec", "-Dforkexec.tmpdir=", "-Dforkexec.library.path=")) {
            assertTrue(error.contains(named), "the error does not name " + named + ": " + error);
        }
        assertEquals("", kv.get("maps"));
    }

    @Test
    void forkexecTmpdirOnNoexecFailsNamingItWithoutTryingElsewhere() throws Exception {
        Path cacheHome = Files.createDirectory(dir.resolve("cache"));
        Path chosen = noexec.resolve("tmp");
        Map<String, String> kv = NativeLibraryTest.loaderChild(NativeLibraryTest.env("XDG_CACHE_HOME",
                cacheHome.toString()), List.of("-Dforkexec.tmpdir=" + chosen), cacheHome);
        String error = kv.get("error");
        assertTrue(error != null && error.startsWith("java.lang.UnsatisfiedLinkError"), kv.get(""));
        assertTrue(error.contains("-Dforkexec.tmpdir=" + chosen) && error.contains("mounted noexec"), error);
        assertEquals("", kv.get("list.0"), "the cache was used although -Dforkexec.tmpdir was given");
        assertNull(kv.get("mechanism"));
    }
}
