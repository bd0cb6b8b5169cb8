package dev.forkexec;

import static dev.forkexec.TestSupport.hex;
import static dev.forkexec.TestSupport.output;
import static dev.forkexec.TestSupport.probe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What happens between clone and exec, seen from the child: program lookup through the child's PATH,
 * executable and argv[0], a relative program after chdir, and an empty signal mask and ignored set.
 * The environment, argv and working directory themselves are {@link SharedBehavioursTest}'s, for every
 * way of starting a child.
 */
@Timeout(60)
class SpawnStepsTest {
    private static final Map<Integer, ChildFD> STDOUT = Map.of(1, ChildFD.parentReads());

    private Path dir;

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-steps-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestSupport.deleteTree(dir);
    }

    // ------------------------------------------------------------------ environment

    @Test
    void eachSpawnGetsTheValuesOfItsOwnEnvironment() throws Exception {
        // The encoded entries are kept between spawns (a job runner's environments differ by a variable
        // or two): a changed value, or an equal one in another String, must reach the child as given.
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        for (String x : List.of("one", "two", new String("two"), "three", "one")) {
            env.put("FORKEXEC_X", x);
            ProcessSpec spec = ProcessSpec.command("sh", "-c", "printf %s \"$FORKEXEC_X\"").environment(env)
                    .childFDs(STDOUT).build();
            assertEquals(x, output(spec));
        }
    }

    // ------------------------------------------------------------------ program lookup

    private Path script(Path in, String name, String body) throws Exception {
        return TestSupport.writeFile(in.resolve(name), "#!/bin/sh\n" + body + "\n", "rwxr-xr-x");
    }

    @Test
    void pathLookupUsesTheChildEnvironmentsPath() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        script(bin, "forkexec-only-here", "echo found $0");
        String parentPath = System.getenv("PATH");
        assertFalse(parentPath != null && parentPath.contains(bin.toString()), "precondition");
        Map<String, String> env = Map.of("PATH", "/nonexistent:" + bin + ":/usr/bin:/bin");
        String out = output(ProcessSpec.command("forkexec-only-here").environment(env).childFDs(STDOUT).build());
        assertEquals("found " + bin.resolve("forkexec-only-here") + "\n", out);
    }

    @Test
    void pathLookupIgnoresTheParentsPathWhenTheChildHasItsOwn() throws Exception {
        // "true" is on the parent's PATH, but not on the child's.
        Path empty = Files.createDirectory(dir.resolve("empty"));
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("true")
                .environment(Map.of("PATH", empty.toString())).childFDs(STDOUT).build());
        assertEquals("exec", e.step());
        assertEquals(2, e.errno());
    }

    @Test
    void pathLookupDefaultsToUsrBinAndBinWithoutPath() throws Exception {
        ProcessSpec spec = ProcessSpec.command("true").environment(Map.of("HOME", "/")).childFDs(Map.of()).build();
        try (Subprocess p = Subprocess.start(spec)) {
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void pathLookupTakesTheFirstMatchInPathOrder() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        script(a, "forkexec-twice", "echo a");
        script(b, "forkexec-twice", "echo b");
        Map<String, String> env = Map.of("PATH", a + ":" + b);
        assertEquals("a\n", output(ProcessSpec.command("forkexec-twice").environment(env).childFDs(STDOUT).build()));
        env = Map.of("PATH", b + ":" + a);
        assertEquals("b\n", output(ProcessSpec.command("forkexec-twice").environment(env).childFDs(STDOUT).build()));
    }

    @Test
    void pathLookupSkipsANonExecutableMatchLikeExecvpe() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        TestSupport.writeFile(a.resolve("forkexec-noexec"), "#!/bin/sh\necho a\n", "rw-r--r--");
        script(b, "forkexec-noexec", "echo b");
        Map<String, String> env = Map.of("PATH", a + ":" + b);
        assertEquals("b\n", output(ProcessSpec.command("forkexec-noexec").environment(env).childFDs(STDOUT).build()));
    }

    @Test
    void pathLookupReportsEaccesOverEnoentWhenNothingRuns() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Path noexec = TestSupport.writeFile(b.resolve("forkexec-noexec"), "#!/bin/sh\n", "rw-r--r--");
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("forkexec-noexec")
                .environment(Map.of("PATH", a + ":" + b)).childFDs(STDOUT).build());
        assertEquals("exec", e.step());
        assertEquals(13, e.errno());
        assertTrue(e.getMessage().contains(noexec.toString()) && e.getMessage().contains("EACCES"), e.getMessage());
    }

    @Test
    void emptyPathEntryIsTheChildsWorkingDirectory() throws Exception {
        script(dir, "forkexec-in-cwd", "echo cwd");
        Map<String, String> env = Map.of("PATH", "/nonexistent:");
        assertEquals("cwd\n", output(ProcessSpec.command("forkexec-in-cwd").environment(env).directory(dir)
                .childFDs(STDOUT).build()));
    }

    // ------------------------------------------------------------------ argv

    @Test
    void executableRunsThatFileWhileArgv0StaysAsGiven() throws Exception {
        String out = output(ProcessSpec.command("my-fancy-name", "argv0").executable(TestSupport.probe())
                .childFDs(STDOUT).build());
        assertEquals(hex("my-fancy-name") + "\n", out);
    }

    @Test
    void executableIsLookedUpOnTheChildsPath() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        script(bin, "forkexec-real", "echo \"$0\"");
        String out = output(ProcessSpec.command("shown").executable("forkexec-real")
                .environment(Map.of("PATH", bin.toString())).childFDs(STDOUT).build());
        // sh sets $0 to the script's path, so this shows the file that ran.
        assertEquals(bin.resolve("forkexec-real") + "\n", out);
    }

    @Test
    void argv0WithoutExecutableIsTheLookedUpName() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("forkexec-probe"), Path.of(TestSupport.probe()));
        String out = output(ProcessSpec.command("forkexec-probe", "argv0")
                .environment(Map.of("PATH", bin.toString())).childFDs(STDOUT).build());
        assertEquals(hex("forkexec-probe") + "\n", out);
    }

    // ------------------------------------------------------------------ directory

    @Test
    void relativeProgramPathIsResolvedAfterChdir() throws Exception {
        script(dir, "forkexec-rel", "echo rel");
        assertEquals("rel\n", output(ProcessSpec.command("./forkexec-rel").directory(dir).childFDs(STDOUT).build()));
    }

    // ------------------------------------------------------------------ signals

    @Test
    void signalMaskAndIgnoredSetAreEmptyInTheChild() throws Exception {
        Map<String, Long> sig = TestSupport.parseSigLines(output(probe("status").childFDs(STDOUT).build()));
        assertEquals(Set.of("SigBlk", "SigIgn"), sig.keySet());
        assertEquals(0L, sig.get("SigBlk"), "blocked signals in the child");
        assertEquals(0L, sig.get("SigIgn"), "ignored signals in the child");
    }

    @Test
    void signalsIgnoredByTheJvmsStarterAreDefaultAgainInTheChild() throws Exception {
        // sh makes HUP INT QUIT USR1 PIPE ignored and execs a JVM; that JVM spawns the probe through forkexec.
        List<String> java = JavaCommand.main(ChildJvmMain.class, "sigign", TestSupport.probe()).toList();
        StringBuilder cmd = new StringBuilder("trap '' HUP INT QUIT USR1 PIPE; exec");
        for (String w : java) cmd.append(' ').append(TestSupport.shQuote(w));
        TestSupport.Result r = TestSupport.run(ProcessSpec.command("sh", "-c", cmd.toString())
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assertEquals(ExitStatus.exited(0), r.status(), r.err());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        long jvmIgnored = Long.parseUnsignedLong(kv.get("jvm-sigign"), 16);
        // The JVM installs its own handlers for some of these (QUIT, PIPE) but keeps HUP, INT and USR1 ignored.
        long kept = bit(1) | bit(2) | bit(10);
        assertEquals(kept, jvmIgnored & kept, "the trap did not reach the JVM: SigIgn " + kv.get("jvm-sigign"));
        assertEquals(0L, Long.parseUnsignedLong(kv.get("child-sigign"), 16), "the grandchild inherited ignored signals");
        assertEquals(0L, Long.parseUnsignedLong(kv.get("child-sigblk"), 16), "the grandchild inherited a signal mask");
    }
}
