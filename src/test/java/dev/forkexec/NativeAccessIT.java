package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.usage.UserMain;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JDK 22 and later warn on stderr when a library calls System::load without native access enabled.
 * Runs the built jar on such a JDK: the test JVM's own when it is one, else -Dforkexec.jdk22plus.home
 * (pom.xml: /usr/lib/jvm/temurin-25-jdk-amd64); skipped, saying so, when neither exists.
 *
 * <p>The one child JVM of the tests not built by {@link JavaCommand}, deliberately: this checks what the
 * JDK 22+ prints for the exact command lines a user types (the README's), so it adds none of the
 * small-JVM flags.
 */
@Timeout(120)
class NativeAccessIT {
    private static String java;

    @BeforeAll
    static void findJdk22Plus() throws Exception {
        if (Runtime.version().feature() >= 22) {
            java = JavaCommand.javaBin();
            return;
        }
        String home = System.getProperty("forkexec.jdk22plus.home", "");
        Path bin = Path.of(home, "bin", "java");
        Assumptions.assumeTrue(!home.isEmpty() && Files.isExecutable(bin), "SKIPPED: this JVM is JDK "
                + Runtime.version().feature() + " and there is no JDK 22+ at -Dforkexec.jdk22plus.home=" + home);
        java = bin.toString();
        String version = typed("-XshowSettings:properties", "-version").get("stderr");
        int feature = Integer.parseInt(version.replaceFirst("(?s).*java\\.specification\\.version = (\\d+).*", "$1"));
        Assumptions.assumeTrue(feature >= 22, "SKIPPED: " + home + " is JDK " + feature + ", not 22 or later");
    }

    /** {@code <java> args...}, as typed. */
    private static Map<String, String> typed(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(args));
        return ModuleIT.java(cmd);
    }

    private static boolean warns(String stderr) {
        return stderr.contains("WARNING") && stderr.contains("enable-native-access");
    }

    @Test
    void javaDashJarPrintsNoNativeAccessWarning() throws Exception {
        Map<String, String> kv = typed("-jar", ModuleIT.jar().toString(), "echo", "ran", ":::",
                "by-the-runner");
        assertFalse(kv.get("stderr").contains("WARNING"), kv.get("stderr"));
        assertTrue(kv.get("").contains("ran by-the-runner"), "the job runner did not run: " + kv.get(""));
    }

    @Test
    void modulePathWithEnableNativeAccessForTheModulePrintsNoWarning() throws Exception {
        Map<String, String> kv = typed("--enable-native-access=dev.forkexec", "--module-path",
                ModuleIT.jar().toString(), "--add-modules", "dev.forkexec", "-cp", ModuleIT.userClasses(),
                UserMain.class.getName());
        assertEquals("exit 0", kv.get("true"), kv.get(""));
        assertFalse(kv.get("stderr").contains("WARNING"), kv.get("stderr"));
    }

    /** What the README tells module users to avoid; shows that this JDK does warn, so the tests above can fail. */
    @Test
    void modulePathWithoutTheFlagWarnsNamingTheModule() throws Exception {
        Map<String, String> kv = typed("--module-path", ModuleIT.jar().toString(), "--add-modules",
                "dev.forkexec", "-cp", ModuleIT.userClasses(), UserMain.class.getName());
        assertEquals("exit 0", kv.get("true"), kv.get(""));
        assertTrue(warns(kv.get("stderr")) && kv.get("stderr").contains("dev.forkexec"), kv.get("stderr"));
    }

    @Test
    void classPathWithEnableNativeAccessAllUnnamedPrintsNoWarning() throws Exception {
        Map<String, String> kv = typed("--enable-native-access=ALL-UNNAMED", "-cp",
                ModuleIT.jar() + File.pathSeparator + ModuleIT.userClasses(), UserMain.class.getName());
        assertEquals("exit 0", kv.get("true"), kv.get(""));
        assertFalse(kv.get("stderr").contains("WARNING"), kv.get("stderr"));
    }
}
