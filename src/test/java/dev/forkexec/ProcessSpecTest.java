package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.internal.ProgramLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** ProcessSpec: what build() rejects (API.md's list), defaults, PATH candidates, immutability. */
class ProcessSpecTest {

    private static IllegalArgumentException rejected(Supplier<ProcessSpec> build, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        for (String m : mustMention) {
            assertTrue(e.getMessage().contains(m), () -> "message should mention '" + m + "': " + e.getMessage());
        }
        return e;
    }

    // ------------------------------------------------------------------ rejected at build()

    @Test
    void emptyArgvIsRejected() {
        rejected(() -> ProcessSpec.command().build(), "argv", "empty");
        rejected(() -> ProcessSpec.command(List.of()).build(), "argv", "empty");
    }

    @Test
    void nullArgvIsRejected() {
        rejected(() -> ProcessSpec.command((String[]) null).build(), "argv", "null");
        rejected(() -> ProcessSpec.command((List<String>) null).build(), "argv", "null");
    }

    @Test
    void nullArgvElementIsRejectedNamingItsIndex() {
        rejected(() -> ProcessSpec.command("echo", null).build(), "argv[1]", "null");
    }

    @Test
    void nulInArgvElementIsRejectedNamingItsIndex() {
        rejected(() -> ProcessSpec.command("echo", "ok", "a\0b").build(), "argv[2]", "NUL");
        rejected(() -> ProcessSpec.command("ec\0ho").build(), "argv[0]", "NUL");
    }

    @Test
    void nulInEnvironmentNameIsRejected() {
        rejected(() -> ProcessSpec.command("true").environment(Map.of("A\0B", "v")).build(), "environment", "NUL");
    }

    @Test
    void nulInEnvironmentValueIsRejectedNamingTheVariable() {
        rejected(() -> ProcessSpec.command("true").environment(Map.of("NAME", "v\0w")).build(), "NAME", "NUL");
    }

    @Test
    void equalsSignInEnvironmentNameIsRejected() {
        rejected(() -> ProcessSpec.command("true").environment(Map.of("A=B", "v")).build(), "A=B", "'='");
    }

    @Test
    void emptyEnvironmentNameIsRejected() {
        rejected(() -> ProcessSpec.command("true").environment(Map.of("", "v")).build(), "empty");
    }

    @Test
    void nullEnvironmentIsRejected() {
        rejected(() -> ProcessSpec.command("true").environment(null).build(), "environment", "null");
    }

    @Test
    void nullEnvironmentNameOrValueIsRejected() {
        Map<String, String> nullName = new HashMap<>();
        nullName.put(null, "v");
        rejected(() -> ProcessSpec.command("true").environment(nullName).build(), "environment", "null");
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("NAME", null);
        rejected(() -> ProcessSpec.command("true").environment(nullValue).build(), "NAME", "null");
    }

    @Test
    void negativeChildFdIsRejected() {
        rejected(() -> ProcessSpec.command("true").childFD(-1, ChildFD.parentReads()).build(), "child fd", "-1");
    }

    @Test
    void negativeParentFdIsRejected() {
        rejected(() -> ProcessSpec.command("true").childFD(3, ChildFD.inherit(-2)).build(), "parent fd", "-2");
    }

    @Test
    void nullChildFdEntriesAreRejected() {
        rejected(() -> ProcessSpec.command("true").childFD(3, null).build(), "child fd 3", "null");
        rejected(() -> ProcessSpec.command("true").childFDs(null).build(), "childFDs", "null");
        Map<Integer, ChildFD> nullKey = new HashMap<>();
        nullKey.put(null, ChildFD.parentReads());
        rejected(() -> ProcessSpec.command("true").childFDs(nullKey).build(), "childFDs", "null");
    }

    @Test
    void nullOrEmptyExecutableIsRejected() {
        rejected(() -> ProcessSpec.command("true").executable(null).build(), "executable", "null");
        rejected(() -> ProcessSpec.command("true").executable("").build(), "executable", "empty");
        rejected(() -> ProcessSpec.command("true").executable("/bin/t\0rue").build(), "executable", "NUL");
    }

    @Test
    void nullDirectoryIsRejected() {
        rejected(() -> ProcessSpec.command("true").directory(null).build(), "directory", "null");
    }

    @Test
    void nullGroupsIsRejected() {
        rejected(() -> ProcessSpec.command("true").groups((int[]) null).build(), "groups", "null");
    }

    @Test
    void negativeCredentialsAreRejected() {
        rejected(() -> ProcessSpec.command("true").uid(-5).build(), "uid", "-5");
        rejected(() -> ProcessSpec.command("true").gid(-6).build(), "gid", "-6");
        rejected(() -> ProcessSpec.command("true").groups(1, -7).build(), "groups", "-7");
    }

    // ------------------------------------------------------------------ defaults

    @Test
    void defaultsAreTheParentEnvironmentAndTheStandardMap() {
        ProcessSpec s = ProcessSpec.command("prog", "arg").build();
        assertEquals(List.of("prog", "arg"), s.argv());
        assertNull(s.executable());
        assertEquals(System.getenv(), s.environment());
        assertNull(s.directory());
        assertEquals(-1, s.uid());
        assertEquals(-1, s.gid());
        assertNull(s.groups());
        assertFalse(s.newSession());
        assertEquals(Map.of(0, ChildFD.parentWrites(), 1, ChildFD.parentReads(), 2, ChildFD.parentReads()),
                s.childFDs());
    }

    @Test
    void childFdAddsToTheDefaultMapAndChildFdsReplacesIt() {
        ProcessSpec added = ProcessSpec.command("p").childFD(3, ChildFD.inherit(7)).build();
        assertEquals(Map.of(0, ChildFD.parentWrites(), 1, ChildFD.parentReads(), 2, ChildFD.parentReads(),
                3, ChildFD.inherit(7)), added.childFDs());
        ProcessSpec replaced = ProcessSpec.command("p").childFDs(Map.of(5, ChildFD.parentReads())).build();
        assertEquals(Map.of(5, ChildFD.parentReads()), replaced.childFDs());
        ProcessSpec empty = ProcessSpec.command("p").childFDs(Map.of()).build();
        assertEquals(Map.of(), empty.childFDs());
    }

    @Test
    void specIsUnaffectedByLaterChangesToItsInputs() {
        List<String> argv = new ArrayList<>(List.of("a", "b"));
        Map<String, String> env = new LinkedHashMap<>(Map.of("K", "v"));
        Map<Integer, ChildFD> map = new HashMap<>(Map.of(1, ChildFD.parentReads()));
        int[] groups = {1, 2};
        ProcessSpec.Builder b = ProcessSpec.command(argv).environment(env).childFDs(map).groups(groups);
        ProcessSpec s = b.build();
        argv.add("c");
        env.put("L", "w");
        map.put(2, ChildFD.parentReads());
        groups[0] = 99;
        b.childFD(9, ChildFD.parentWrites());
        assertEquals(List.of("a", "b"), s.argv());
        assertEquals(Map.of("K", "v"), s.environment());
        assertEquals(Map.of(1, ChildFD.parentReads()), s.childFDs());
        assertArrayEquals(new int[] {1, 2}, s.groups());
        assertThrows(UnsupportedOperationException.class, () -> s.childFDs().put(3, ChildFD.parentReads()));
        assertThrows(UnsupportedOperationException.class, () -> s.environment().put("X", "y"));
        assertThrows(UnsupportedOperationException.class, () -> s.argv().add("z"));
    }

    @Test
    void toBuilderRebuildsAnEqualSpec() {
        ProcessSpec s = ProcessSpec.command("p", "q").executable("/bin/true").environment(Map.of("A", "1"))
                .directory(Path.of("/tmp")).uid(3).gid(4).groups(5, 6).childFD(7, ChildFD.inherit(2))
                .newSession(true).build();
        assertEquals(s, s.toBuilder().build());
        assertEquals(s.hashCode(), s.toBuilder().build().hashCode());
    }

    @Test
    void childFdValuesCompareByContentAndPrintLikeTwisted() {
        assertEquals(ChildFD.inherit(4), ChildFD.inherit(4));
        assertFalse(ChildFD.inherit(4).equals(ChildFD.inherit(5)));
        assertEquals("'r'", ChildFD.parentReads().toString());
        assertEquals("'w'", ChildFD.parentWrites().toString());
        assertEquals("4", ChildFD.inherit(4).toString());
        assertTrue(ChildFD.parentReads().isPipe());
        assertFalse(ChildFD.inherit(0).isPipe());
    }

    // ------------------------------------------------------------------ program lookup

    @Test
    void candidatesComeFromTheChildEnvironmentsPath() {
        ProcessSpec s = ProcessSpec.command("prog").environment(Map.of("PATH", "/opt/a:/opt/b/")).build();
        assertEquals(List.of("/opt/a/prog", "/opt/b/prog"), s.candidates());
    }

    @Test
    void candidatesDefaultToUsrLocalBinUsrBinBinWithoutPath() {
        ProcessSpec s = ProcessSpec.command("prog").environment(Map.of("HOME", "/x")).build();
        assertEquals(List.of("/usr/local/bin/prog", "/usr/bin/prog", "/bin/prog"), s.candidates());
    }

    @Test
    void candidatesFollowTheParentsPathByDefault() {
        String path = System.getenv("PATH");
        List<String> expected = new ArrayList<>();
        for (String dir : (path != null ? path : ProgramLookup.DEFAULT_PATH).split(":", -1)) {
            expected.add(dir.isEmpty() ? "prog" : dir.endsWith("/") ? dir + "prog" : dir + "/prog");
        }
        assertEquals(expected, ProcessSpec.command("prog").build().candidates());
    }

    @Test
    void emptyPathEntriesMeanTheWorkingDirectory() {
        ProcessSpec s = ProcessSpec.command("prog").environment(Map.of("PATH", ":/a::/b:")).build();
        assertEquals(List.of("prog", "/a/prog", "prog", "/b/prog", "prog"), s.candidates());
    }

    @Test
    void theSameProgramUnderAnotherPathGetsThatPathsCandidates() {
        // The lookup keeps its last answer for job runners: a new PATH must still be searched.
        assertEquals(List.of("/a/prog"), ProcessSpec.command("prog").environment(Map.of("PATH", "/a")).build().candidates());
        assertEquals(List.of("/b/prog"), ProcessSpec.command("prog").environment(Map.of("PATH", "/b")).build().candidates());
        assertEquals(List.of("/a/other"), ProcessSpec.command("other").environment(Map.of("PATH", "/a")).build().candidates());
    }

    @Test
    void aBuilderBuiltTwiceGivesEqualSpecsThatALaterEnvironmentDoesNotChange() {
        Map<String, String> env = new LinkedHashMap<>(Map.of("A", "1"));
        ProcessSpec.Builder b = ProcessSpec.command("true").environment(env);
        ProcessSpec first = b.build();
        ProcessSpec second = b.build();
        env.put("B", "2");
        b.environment(Map.of("C", "3"));
        ProcessSpec third = b.build();
        assertEquals(Map.of("A", "1"), first.environment());
        assertEquals(first, second);
        assertEquals(Map.of("C", "3"), third.environment());
        assertThrows(UnsupportedOperationException.class, () -> first.environment().put("X", "y"));
    }

    @Test
    void aNameWithASlashIsNotLookedUp() {
        ProcessSpec s = ProcessSpec.command("./bin/prog").environment(Map.of("PATH", "/a")).build();
        assertEquals(List.of("./bin/prog"), s.candidates());
    }

    @Test
    void executableIsLookedUpInsteadOfArgv0() {
        ProcessSpec s = ProcessSpec.command("shown-name").executable("real").environment(Map.of("PATH", "/a:/b"))
                .build();
        assertEquals(List.of("/a/real", "/b/real"), s.candidates());
        assertEquals("shown-name", s.argv().get(0));
        ProcessSpec abs = ProcessSpec.command("shown-name").executable("/usr/bin/env").build();
        assertEquals(List.of("/usr/bin/env"), abs.candidates());
    }

    @Test
    void toStringNamesArgvAndMap() {
        String s = ProcessSpec.command("echo", "hi").childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.inherit(1)))
                .build().toString();
        assertTrue(s.contains("[echo, hi]") && s.contains("1='r'") && s.contains("2=1"), s);
        assertEquals(Arrays.asList("echo", "hi"), ProcessSpec.command("echo", "hi").build().argv());
    }
}
