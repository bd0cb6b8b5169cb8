package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every complete Java example of README.md (a fenced java block declaring a public class) compiles as
 * pasted against the library alone, runs in its own JVM, exits 0, and prints what its comments say
 * it prints (the lines named here).
 */
class ReadmeExamplesTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("public class (\\w+)");

    /** What each example must print, line by line (a line ending in "..." is a prefix). */
    private static final Map<String, List<String>> EXPECTED = Map.of(
            "Quickstart", List.of("hello", "oops", "exit 0"),
            "ReactorQuickstart", List.of("hello, child", "ended: exit 0"),
            "CommandExamples", List.of("line: a", "line: b", "true", "true signal 15 (SIGTERM)"),
            "SpawnOptions", List.of("exit 0, CPU PT...", "256", "to-stderr", "signal 9 (SIGKILL)"),
            "TerminalQuickstart", List.of("40 120", "42", "running: sleep", "exit 3"));

    @TempDir
    Path dir;

    static Map<String, String> examples() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = JAVA_BLOCK.matcher(readme);
        while (m.find()) {
            Matcher name = CLASS_NAME.matcher(m.group(1));
            if (name.find()) out.put(name.group(1), m.group(1));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyCompleteJavaExampleCompilesRunsAndPrintsWhatItSays() throws Exception {
        Map<String, String> examples = examples();
        assertEquals(EXPECTED.keySet(), examples.keySet(), "README's examples and this test's list differ");
        return examples.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue())));
    }

    private void check(String name, String source) throws Exception {
        Path src = dir.resolve(name).resolve(name + ".java");
        Path classes = dir.resolve(name).resolve("classes");
        Files.createDirectories(classes);
        Files.writeString(src, source);
        // Only the library's own classes: an example may not lean on the tests.
        String libraryOnly = JavaCommand.classRoots().get(0).toString();
        String javac = Path.of(System.getProperty("java.home"), "bin", "javac").toString();
        TestSupport.Result compiled = TestSupport.run(ProcessSpec.command(javac, "--release", "17", "-cp", libraryOnly,
                "-d", classes.toString(), src.toString()).build());
        assertEquals(ExitStatus.exited(0), compiled.status(),
                name + " does not compile as pasted:\n" + compiled.out() + compiled.err());

        List<String> cmd = JavaCommand.withoutMain(name).classpath(libraryOnly + File.pathSeparator + classes).toList();
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(cmd).directory(dir).build());
        assertEquals(ExitStatus.exited(0), r.status(), name + " failed:\n" + r.out() + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        List<String> lines = new ArrayList<>(r.out().lines().toList());
        List<String> want = EXPECTED.get(name);
        assertEquals(want.size(), lines.size(), name + " printed:\n" + r.out());
        for (int i = 0; i < want.size(); i++) {
            String w = want.get(i);
            if (w.endsWith("...")) {
                assertTrue(lines.get(i).startsWith(w.substring(0, w.length() - 3)), name + " line " + i + ": " + lines.get(i));
            } else {
                assertEquals(w, lines.get(i), name + " line " + i + " of:\n" + r.out());
            }
        }
    }
}
