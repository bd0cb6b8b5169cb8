package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Replacement strings. The transformation table is GNU parallel 20221122's output on this machine:
 * {@code parallel -k -q printf '%s|%s|%s|%s|%s\n' {} {.} {/} {//} {/.} ::: <input>}.
 */
class PlaceholdersTest {
    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', quoteCharacter = '`', nullValues = "NULL", emptyValue = "", value = {
        "/a/b/c.tar.gz|/a/b/c.tar|c.tar.gz|/a/b|c.tar",
        "rel.txt|rel|rel.txt|.|rel",
        "dir/|dir/||.|",
        "/|/||/|",
        "/a|/a|a|/|a",
        "a/b/|a/b/||a|",
        "a//b|a//b|b|a|b",
        ".bashrc||.bashrc|.|",
        "a/.h|a/|.h|a|",
        "x.|x|x.|.|x",
        "||| .|",
        "a.b/c|a.b/c|c|a.b|c",
        "/x/.y.z|/x/.y|.y.z|/x|.y",
        "a b/c d.e|a b/c d|c d.e|a b|c d",
    })
    void transformsLikeGnuParallel(String in, String noExt, String base, String dir, String baseNoExt) {
        String input = in == null ? "" : in;
        assertEquals(orEmpty(noExt), Placeholders.noExtension(input), "{.}");
        assertEquals(orEmpty(base), Placeholders.basename(input), "{/}");
        assertEquals(orEmpty(dir).strip(), Placeholders.dirname(input), "{//}");
        assertEquals(orEmpty(baseNoExt), Placeholders.noExtension(Placeholders.basename(input)), "{/.}");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    @Test
    void transformsAValueWithANewlineAsPerlDoes() {
        // printf 'l1/x\nl2/y.z\0' | parallel -0 -q printf '%s|%s|%s|%s\n' {.} {/} {//} {/.}
        String v = "l1/x\nl2/y.z";
        assertEquals("l1/x\nl2/y", Placeholders.noExtension(v));
        assertEquals("x\nl2/y.z", Placeholders.basename(v));
        assertEquals("l1/x\nl2", Placeholders.dirname(v));
        assertEquals("x\nl2/y", Placeholders.noExtension(Placeholders.basename(v)));
    }

    private static Placeholders compile(String... words) throws RunnerException {
        return Placeholders.compile(List.of(words));
    }

    @Test
    void withoutAPlaceholderTheInputsAreAppended() throws RunnerException {
        Placeholders p = compile("echo", "-n");
        assertFalse(p.hasPlaceholder());
        assertEquals(List.of("echo", "-n", "a b", "c"), p.argv(new String[] {"a b", "c"}, 1, 1));
        assertEquals("echo -n 'a b' c", p.shellLine(new String[] {"a b", "c"}, 1, 1));
    }

    @Test
    void seqAndSlotCountAsPlaceholders() throws RunnerException {
        // parallel --dry-run echo {#} ::: a  ->  echo 1
        assertEquals(List.of("echo", "7"), compile("echo", "{#}").argv(new String[] {"a"}, 7, 2));
        assertEquals(List.of("echo", "2"), compile("echo", "{%}").argv(new String[] {"a"}, 7, 2));
    }

    @Test
    void aWordThatIsOnlyABracePairBecomesOneArgumentPerInput() throws RunnerException {
        assertEquals(List.of("cp", "a b", "c d"), compile("cp", "{}").argv(new String[] {"a b", "c d"}, 1, 1));
        assertEquals(List.of("x", "a", "c"), compile("x", "{.}").argv(new String[] {"a.txt", "c.d"}, 1, 1));
    }

    @Test
    void aWordMixingTextAndAllInputsJoinsThemWithSpaces() throws RunnerException {
        assertEquals(List.of("Xa b c dY"), compile("X{}Y").argv(new String[] {"a b", "c d"}, 1, 1));
    }

    @Test
    void shellLineQuotesEachValueAndKeepsTheTemplateAsCode() throws RunnerException {
        // parallel --dry-run 'echo X{}Y; echo {1}{2}' ::: 'a b' ::: 'c d'
        Placeholders p = compile("echo X{}Y; echo {1}{2}");
        assertEquals("echo X'a b' 'c d'Y; echo 'a b''c d'", p.shellLine(new String[] {"a b", "c d"}, 1, 1));
    }

    @Test
    void positionalPastTheLastInputIsEmptyAndUnquoted() throws RunnerException {
        // parallel --dry-run echo {3} ::: a  ->  "echo "
        assertEquals("echo ", compile("echo", "{3}").shellLine(new String[] {"a"}, 1, 1));
        assertEquals(List.of("echo", "<>"), compile("echo", "<{3}>").argv(new String[] {"a"}, 1, 1));
    }

    @Test
    void negativePositionCountsFromTheEnd() throws RunnerException {
        // parallel --dry-run echo 'x{-1}y' ::: a ::: b  ->  echo xby
        assertEquals("echo xby", compile("echo", "x{-1}y").shellLine(new String[] {"a", "b"}, 1, 1));
    }

    @Test
    void positionalTransformsApplyToTheirSource() throws RunnerException {
        // parallel --dry-run echo '{2/.}' ::: a ::: /x/y.z  ->  echo y
        assertEquals(List.of("echo", "y"), compile("echo", "{2/.}").argv(new String[] {"a", "/x/y.z"}, 1, 1));
    }

    @Test
    void textInBracesThatIsNoPlaceholderStaysAndDoesNotStopAppending() throws RunnerException {
        // parallel --dry-run echo '{a}' ::: a  ->  echo {a} a
        Placeholders p = compile("echo", "{a}", "{0}", "{-}", "{1x}");
        assertFalse(p.hasPlaceholder());
        assertEquals(List.of("echo", "{a}", "{0}", "{-}", "{1x}", "a"), p.argv(new String[] {"a"}, 1, 1));
    }

    @Test
    void nestedBracesFindTheInnerPlaceholder() throws RunnerException {
        Placeholders p = compile("{{}}");
        assertTrue(p.hasPlaceholder());
        assertEquals(List.of("{v}"), p.argv(new String[] {"v"}, 1, 1));
    }

    @Test
    void perlExpressionsAreRejectedWithTheWord() {
        RunnerException e = assertThrows(RunnerException.class, () -> compile("echo", "{= s/a/b/ =}"));
        assertTrue(e.getMessage().contains("{= s/a/b/ =}"), e.getMessage());
    }
}
