package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.usage.UserMain;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The built jar (failsafe, after {@code package}): a JPMS module {@code dev.forkexec} that exports only
 * its API, usable from the module path and from the class path, carrying every platform's library,
 * with sources and Javadoc jars beside it.
 */
@Timeout(120)
class ModuleIT {
    /** target/forkexec-<version>.jar, from the failsafe configuration. */
    static Path jar() {
        String jar = System.getProperty("forkexec.jar");
        assertNotNull(jar, "-Dforkexec.jar is not set (pom.xml, failsafe)");
        Path p = Path.of(jar);
        assertTrue(Files.isRegularFile(p), "no jar at " + p);
        return p;
    }

    /** The directory holding UserMain (target/test-classes). */
    static String userClasses() throws Exception {
        return Path.of(UserMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Runs a java command; exit status 0 required; key=value lines, "" for stdout and "stderr" for stderr. */
    static Map<String, String> java(List<String> cmd) throws Exception {
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(cmd)
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assertEquals(ExitStatus.exited(0), r.status(), cmd + "\n" + r.out() + r.err());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        kv.put("", r.out());
        kv.put("stderr", r.err());
        return kv;
    }

    /** {@code java <small-JVM flags> --module-path <jar> --add-modules dev.forkexec ... -cp <test classes> UserMain}. */
    private static Map<String, String> onTheModulePath() throws Exception {
        return java(JavaCommand.main(UserMain.class).classpath(userClasses()).jvmArgs("--module-path", jar().toString(),
                "--add-modules", "dev.forkexec", "--enable-native-access=dev.forkexec").toList());
    }

    @Test
    void onTheModulePathItIsModuleDevForkexecAndSpawns() throws Exception {
        Map<String, String> kv = onTheModulePath();
        assertEquals("dev.forkexec", kv.get("module"), kv.get("") + kv.get("stderr"));
        assertEquals("exit 0", kv.get("true"));
    }

    @Test
    void onTheModulePathTheInternalPackageIsNotExported() throws Exception {
        Map<String, String> kv = onTheModulePath();
        assertEquals("false", kv.get("internal-exported"), kv.get(""));
        assertEquals("inaccessible", kv.get("internal"), kv.get(""));
    }

    @Test
    void onTheClassPathItSpawns() throws Exception {
        Map<String, String> kv = java(JavaCommand.main(UserMain.class).classpath(jar() + File.pathSeparator + userClasses())
                .jvmArgs("--enable-native-access=ALL-UNNAMED").toList());
        assertEquals("unnamed", kv.get("module"), kv.get("") + kv.get("stderr"));
        assertEquals("exit 0", kv.get("true"));
    }

    @ParameterizedTest
    @CsvSource({"linux-x86_64, ''", "linux-aarch64, aarch64-linux-gnu-gcc", "linux-x86_64-musl, musl-gcc"})
    void theJarCarriesThePlatformLibraryWithItsChecksum(String platform, String compiler) throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            ZipEntry lib = jar.getEntry("native/" + platform + "/libforkexec.so");
            if (lib == null && !compiler.isEmpty() && !onPath(compiler)) {
                Assumptions.abort("SKIPPED: the jar has no " + platform + " library; " + compiler
                        + " is not installed (the build printed a WARNING)");
            }
            assertNotNull(lib, "native/" + platform + "/libforkexec.so is not in " + jar().getFileName());
            ZipEntry sum = jar.getEntry("native/" + platform + "/libforkexec.so.sha256");
            assertNotNull(sum, "no .sha256 for " + platform);
            byte[] bytes;
            try (InputStream in = jar.getInputStream(lib)) {
                bytes = in.readAllBytes();
            }
            String expected;
            try (InputStream in = jar.getInputStream(sum)) {
                expected = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            }
            assertEquals(expected, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

    @Test
    void sourcesAndJavadocJarsSitBesideItAndTheJavadocCoversTheApiOnly() throws Exception {
        String base = jar().getFileName().toString().replaceFirst("\\.jar$", "");
        Path sources = jar().resolveSibling(base + "-sources.jar");
        Path javadoc = jar().resolveSibling(base + "-javadoc.jar");
        try (JarFile s = new JarFile(sources.toFile())) {
            assertNotNull(s.getEntry("dev/forkexec/Subprocess.java"), sources.toString());
        }
        try (JarFile j = new JarFile(javadoc.toFile())) {
            assertTrue(j.stream().anyMatch(e -> e.getName().endsWith("dev/forkexec/Subprocess.html")),
                    "no Subprocess.html in " + javadoc);
            assertFalse(j.stream().anyMatch(e -> e.getName().contains("dev/forkexec/internal/")),
                    "the Javadoc documents the internal package");
        }
    }
}
