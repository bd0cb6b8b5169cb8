package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.internal.NativeLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which bundled library the loader picks: by os.arch, and musl or glibc by what /proc/self/maps shows
 * (the samples are trimmed from real JVMs). No musl JVM runs here, so the choice is tested on its own;
 * the musl library itself is loaded and run by src/test/c/platforms.sh.
 */
class NativeLibraryPlatformTest {
    private static final String DEBIAN_GLIBC = String.join("\n",
            "55d2f4a3e000-55d2f4a3f000 r--p 00000000 08:01 2365 /usr/lib/jvm/java-17-openjdk-amd64/bin/java",
            "55d2f5d8c000-55d2f5dad000 rw-p 00000000 00:00 0 [heap]",
            "7f9c3c000000-7f9c3c021000 rw-p 00000000 00:00 0 ",
            "7f9c5a1d0000-7f9c5a1f4000 r--p 00000000 08:01 4415 /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
            "7f9c5b3e0000-7f9c5b406000 r--p 00000000 08:01 1833 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f9c5b5f2000-7f9c5b5f3000 r--p 00000000 08:01 1821 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            "7ffd8a2c1000-7ffd8a2e2000 rw-p 00000000 00:00 0 [stack]",
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]", "");
    private static final String RHEL8_GLIBC = String.join("\n",
            "563c1f5e5000-563c1f5e6000 r-xp 00000000 fd:00 1011 /usr/lib/jvm/java-17-openjdk/bin/java",
            "7f3f4b1e7000-7f3f4b3a3000 r-xp 00000000 fd:00 3386 /usr/lib64/libc-2.28.so",
            "7f3f4b5b0000-7f3f4b5c8000 r-xp 00000000 fd:00 3400 /usr/lib64/libpthread-2.28.so",
            "7f3f4b7cc000-7f3f4b7f8000 r-xp 00000000 fd:00 3379 /usr/lib64/ld-2.28.so",
            "7ffc8d7f1000-7ffc8d812000 rw-p 00000000 00:00 0 [stack]", "");
    private static final String ALPINE_MUSL = String.join("\n",
            "5581e3c4a000-5581e3c4b000 r--p 00000000 00:5b 1966 /opt/java/openjdk/bin/java",
            "7f0a1c5d1000-7f0a1c5f5000 r--p 00000000 00:5b 2311 /opt/java/openjdk/lib/server/libjvm.so",
            "7f0a1d6e2000-7f0a1d6f2000 r--p 00000000 00:5b 1200 /usr/lib/libz.so.1.3.1",
            "7f0a1d705000-7f0a1d719000 r--p 00000000 00:5b 1054 /lib/ld-musl-x86_64.so.1",
            "7f0a1d719000-7f0a1d765000 r-xp 00014000 00:5b 1054 /lib/ld-musl-x86_64.so.1",
            "7ffe5cbc6000-7ffe5cbe7000 rw-p 00000000 00:00 0 [stack]", "");
    /** A glibc-built JVM on Alpine through gcompat: its ld-linux is a link to musl's loader. */
    private static final String ALPINE_GCOMPAT = String.join("\n",
            "55b0c2d11000-55b0c2d12000 r--p 00000000 00:5b 3011 /usr/lib/jvm/temurin-17/bin/java",
            "7f11d0e10000-7f11d0e14000 r--p 00000000 00:5b 1290 /lib/libgcompat.so.0",
            "7f11d0e28000-7f11d0e3c000 r--p 00000000 00:5b 1054 /lib/ld-musl-x86_64.so.1",
            "7ffd2e2a4000-7ffd2e2c5000 rw-p 00000000 00:00 0 [stack]", "");
    /** musl where ld-musl-x86_64.so.1 is a link to libc.so (Debian's musl package, Void Linux): maps shows libc.so. */
    private static final String MUSL_AS_LIBC_SO = String.join("\n",
            "55e0a4d2b000-55e0a4d2c000 r--p 00000000 08:01 7731 /usr/lib/jvm/musl-jdk/bin/java",
            "7f5d2c8a1000-7f5d2c8b5000 r--p 00000000 08:01 6602 /usr/lib/x86_64-linux-musl/libc.so",
            "7ffd2e2a4000-7ffd2e2c5000 rw-p 00000000 00:00 0 [stack]", "");
    private static final String NEITHER = String.join("\n",
            "00400000-00452000 r-xp 00000000 08:01 17 /opt/static-launcher",
            "7ffd2e2a4000-7ffd2e2c5000 rw-p 00000000 00:00 0 [stack]", "");

    @Test
    void debianGlibcMapsAreGlibc() {
        assertFalse(NativeLibrary.isMusl(DEBIAN_GLIBC, true, false)); // the maps win over a musl loader on disk
    }

    @Test
    void glibcBefore234NamesItsFilesByVersionAndIsStillGlibc() {
        assertFalse(NativeLibrary.isMusl(RHEL8_GLIBC, true, false));
    }

    @Test
    void alpineMapsAreMusl() {
        assertTrue(NativeLibrary.isMusl(ALPINE_MUSL, false, true)); // the maps win over a glibc loader on disk
    }

    @Test
    void glibcJvmRunningOnMuslThroughGcompatIsMusl() {
        assertTrue(NativeLibrary.isMusl(ALPINE_GCOMPAT, false, false));
    }

    @Test
    void muslLoaderMappedAsLibcSoIsMusl() {
        assertTrue(NativeLibrary.isMusl(MUSL_AS_LIBC_SO, false, true));
    }

    @ParameterizedTest
    @CsvSource({"true, false, true", "true, true, false", "false, false, false", "false, true, false"})
    void unreadableMapsLeaveItToTheLoadersOnDisk(boolean muslLoader, boolean glibcLoader, boolean musl) {
        assertEquals(musl, NativeLibrary.isMusl(null, muslLoader, glibcLoader));
    }

    @ParameterizedTest
    @CsvSource({"true, false, true", "true, true, false", "false, false, false"})
    void mapsShowingNeitherLibraryLeaveItToTheLoadersOnDisk(boolean muslLoader, boolean glibcLoader, boolean musl) {
        assertEquals(musl, NativeLibrary.isMusl(NEITHER, muslLoader, glibcLoader));
    }

    @ParameterizedTest
    @CsvSource({
        "Linux, amd64, false, linux-x86_64",
        "Linux, x86_64, false, linux-x86_64",
        "Linux, aarch64, false, linux-aarch64",
        "Linux, arm64, false, linux-aarch64",
        "Linux, amd64, true, linux-x86_64-musl",
        "Linux, aarch64, true, linux-aarch64-musl",
    })
    void platformDirectoryByArchitectureAndCLibrary(String os, String arch, boolean musl, String dir) {
        assertEquals(dir, NativeLibrary.platform(os, arch, musl));
    }

    @Test
    void otherSystemsAreRefusedNamingThem() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLibrary.platform("Mac OS X", "aarch64", false));
        assertTrue(e.getMessage().contains("Linux only") && e.getMessage().contains("Mac OS X"), e.getMessage());
    }

    @Test
    void otherArchitecturesAreRefusedNamingThem() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLibrary.platform("Linux", "riscv64", false));
        assertTrue(e.getMessage().contains("riscv64"), e.getMessage());
    }
}
