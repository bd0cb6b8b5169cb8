package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Combining input sources as GNU parallel 20221122 does (cases checked with its --dry-run on this machine). */
class InputSourceTest {
    @TempDir
    Path dir;

    private static List<String> withStdin(String stdin, String... argv) throws Exception {
        Options o = Options.parse(argv, 2);
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        List<String> out = new ArrayList<>();
        try (InputSource s = InputSource.open(o, in)) {
            for (String[] a; (a = s.next()) != null; ) out.add(String.join("|", a));
        }
        return out;
    }

    private static List<String> jobs(String... argv) throws Exception {
        return withStdin("", argv);
    }

    @Test
    void sourcesMultiplyWithTheLastVaryingFastest() throws Exception {
        assertEquals(List.of("a|1|x", "a|1|y", "a|2|x", "a|2|y", "b|1|x", "b|1|y", "b|2|x", "b|2|y"),
                jobs("echo", ":::", "a", "b", ":::", "1", "2", ":::", "x", "y"));
    }

    @Test
    void linkedSourcesZipAndStopAtTheShorter() throws Exception {
        assertEquals(List.of("a|1", "b|2", "c|3"), jobs("echo", ":::", "a", "b", "c", ":::+", "1", "2", "3"));
        assertEquals(List.of("a|1", "b|2"), jobs("echo", ":::", "a", "b", "c", ":::+", "1", "2"));
        assertEquals(List.of("a|1|x", "a|1|y", "b|2|x", "b|2|y"),
                jobs("echo", ":::", "a", "b", ":::+", "1", "2", ":::", "x", "y"));
    }

    @Test
    void linesOfStdinAreInputsAndEmptyLinesAreEmptyInputs() throws Exception {
        assertEquals(List.of("a", "", "b"), withStdin("a\n\nb", "echo"));
        assertEquals(List.of("a", "b"), withStdin("a\nb\n", "echo"));
        assertEquals(List.of("a\r"), withStdin("a\r\n", "echo"));
    }

    @Test
    void emptyStdinMeansNoJobs() throws Exception {
        assertEquals(List.of(), withStdin("", "echo"));
        assertEquals(List.of(), jobs("echo", ":::"));
    }

    @Test
    void tripleColonWordsAreSplitIntoLinesUnlessNulDelimited() throws Exception {
        // parallel --dry-run echo x{}y ::: $'a\n' b  ->  xay, x''y, xby
        assertEquals(List.of("a", "", "b"), jobs("echo", ":::", "a\n", "b"));
        assertEquals(List.of("a\nb"), jobs("-0", "echo", ":::", "a\nb"));
    }

    @Test
    void nulDelimitedRecordsKeepTheirNewlines() throws Exception {
        assertEquals(List.of("a b", "c\nd"), withStdin("a b\0c\nd\0", "-0", "echo"));
    }

    @Test
    void colsepSplitsColumnsAcrossSourcesKeepingEmptyOnes() throws Exception {
        Path f1 = Files.writeString(dir.resolve("c1"), "x\ty\tz\n");
        Path f2 = Files.writeString(dir.resolve("c2"), "p,q\n");
        assertEquals(List.of("x|y|z|p|q"), jobs("--colsep", "[\t,]", "echo", "::::", f1.toString(), f2.toString()));
        assertEquals(List.of("a||"), withStdin("a\t\t\n", "--colsep", "\t", "echo"));
    }

    @Test
    void quadColonFilesAreSourcesAndDashIsStdin() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "1\n2\n");
        assertEquals(List.of("1|s", "2|s"), withStdin("s\n", "echo", "::::", f.toString(), "-"));
    }

    @Test
    void aMissingFileIsReportedInGnuParallelsWords() {
        RunnerException e = assertThrows(RunnerException.class, () -> jobs("echo", "::::", "/nonexist"));
        assertEquals("Cannot open input file `/nonexist': No such file or directory", e.getMessage());
    }

    @Test
    void aDirectoryIsNotAnInputFile() {
        RunnerException e = assertThrows(RunnerException.class, () -> jobs("echo", "::::", dir.toString()));
        assertEquals("Cannot open input file `" + dir + "': Is a directory", e.getMessage());
    }

    @Test
    void recordsLongerThanTheReadBufferArriveWhole() throws Exception {
        char[] big = new char[200_000];
        Arrays.fill(big, 'x');
        String line = new String(big);
        assertEquals(List.of(line, "y"), withStdin(line + "\ny\n", "echo"));
    }

    @Test
    void utf8SplitAcrossReadsDecodesWhole() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 40_000; i++) b.append("é");
        assertEquals(List.of(b.toString()), withStdin(b + "\n", "echo"));
    }
}
