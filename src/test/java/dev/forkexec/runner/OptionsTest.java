package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.ResourceLimit;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing the command line: GNU parallel's option names and forms, and one-line errors for bad input. */
class OptionsTest {
    private static Options parse(String... argv) throws RunnerException {
        return Options.parse(argv, 4);
    }

    private static String error(String... argv) {
        return assertThrows(RunnerException.class, () -> parse(argv)).getMessage();
    }

    @Test
    void jobsDefaultsToTheCpuCount() throws RunnerException {
        assertEquals(4, parse("echo").jobs);
    }

    @Test
    void jobsFormsAreGnuParallels() throws RunnerException {
        assertEquals(3, parse("-j", "3", "echo").jobs);
        assertEquals(3, parse("-j3", "echo").jobs);
        assertEquals(3, parse("--jobs=3", "echo").jobs);
        assertEquals(3, parse("--jobs", "3", "echo").jobs);
        assertEquals(3, parse("-P", "3", "echo").jobs);
        assertEquals(3, parse("--max-procs", "3", "echo").jobs);
        assertEquals(6, parse("-j", "+2", "echo").jobs);
        assertEquals(3, parse("-j", "-1", "echo").jobs);
        assertEquals(8, parse("-j", "200%", "echo").jobs);
        assertEquals(2, parse("-j", "50%", "echo").jobs);
        assertEquals(2, parse("-j", "37.5%", "echo").jobs);
    }

    @Test
    void jobsZeroIsAnErrorSayingWhatToGive() {
        String m = error("-j", "0", "echo");
        assertTrue(m.startsWith("-j 0 is not allowed"), m);
        assertFalse(m.contains("\n"));
    }

    @Test
    void jobsThatLeaveNoneOrDoNotParseAreErrors() {
        assertTrue(error("-j", "-5", "echo").startsWith("Cannot run any jobs"));
        assertTrue(error("-j", "2.5", "echo").startsWith("Parsing of --jobs/-j/--max-procs/-P failed: '2.5'"));
        assertTrue(error("-j", "abc", "echo").startsWith("Parsing of --jobs/-j/--max-procs/-P failed: 'abc'"));
    }

    @Test
    void unknownOptionsAreNamed() {
        assertEquals("Unknown option: --bogus (see --help)", error("--bogus", "echo"));
        assertEquals("Unknown option: -q (see --help)", error("-q", "echo"));
        assertEquals("Unknown option: -x (see --help)", error("-kx", "echo"));
    }

    @Test
    void aMissingValueIsNamed() {
        assertEquals("Option --joblog needs a value", error("--joblog"));
        assertEquals("Option -j needs a value", error("-j"));
    }

    @Test
    void aFlagGivenAValueIsAnError() {
        assertEquals("Option --tag does not take a value: --tag=yes", error("--tag=yes", "echo"));
    }

    @Test
    void shortFlagsBundle() throws RunnerException {
        Options o = parse("-k0uj5", "echo");
        assertTrue(o.keepOrder);
        assertTrue(o.nullDelimited);
        assertEquals(Options.OutputKind.UNGROUP, o.output);
        assertEquals(5, o.jobs);
    }

    @Test
    void theCommandStartsAtTheFirstNonOptionAndKeepsItsOwnDashes() throws RunnerException {
        Options o = parse("-k", "grep", "-v", "x", ":::", "a", "b");
        assertEquals(List.of("grep", "-v", "x"), o.command);
        assertEquals(1, o.sources.size());
        assertEquals(List.of("a", "b"), o.sources.get(0).args());
    }

    @Test
    void doubleDashEndsTheOptions() throws RunnerException {
        assertEquals(List.of("-k", "x"), parse("--", "-k", "x").command);
    }

    @Test
    void sourcesKeepTheirOrderAndLinks() throws RunnerException {
        Options o = parse("echo", ":::", "a", "b", ":::+", "1", "2", "::::", "f1", "f2", "::::+", "f3");
        assertEquals(5, o.sources.size());
        assertEquals(Options.SourceKind.ARGS, o.sources.get(0).kind());
        assertTrue(o.sources.get(1).linked());
        assertEquals("f1", o.sources.get(2).file());
        assertFalse(o.sources.get(2).linked());
        assertFalse(o.sources.get(3).linked());
        assertTrue(o.sources.get(4).linked());
    }

    @Test
    void argFilesComeBeforeTheSeparatorSources() throws RunnerException {
        Options o = parse("-a", "f1", "echo", ":::", "x");
        assertEquals("f1", o.sources.get(0).file());
        assertEquals(List.of("x"), o.sources.get(1).args());
    }

    @Test
    void noSourceMeansStdin() throws RunnerException {
        assertEquals(Options.SourceKind.STDIN, parse("echo").sources.get(0).kind());
    }

    @Test
    void noCommandMeansTheInputsAreTheCommands() throws RunnerException {
        Options o = parse("-j2", ":::", "echo hi");
        assertTrue(o.command.isEmpty());
    }

    @Test
    void aQuadColonWithoutFilesIsAnError() {
        assertEquals(":::: must be followed by one or more file names", error("echo", "::::"));
    }

    @Test
    void aLinkedFirstSourceIsAnError() {
        assertTrue(error("echo", ":::+", "a").contains("links to a previous input source"));
    }

    @Test
    void resumeNeedsAJoblogOrResults() {
        assertEquals("--resume and --resume-failed require --joblog or --results", error("--resume", "echo"));
    }

    @Test
    void joblogPlusMeansAppend() throws RunnerException {
        Options o = parse("--joblog", "+jl", "echo");
        assertTrue(o.joblogAppend);
        assertEquals("jl", o.joblog);
    }

    @Test
    void durationsTakeGnuParallelsUnits() throws RunnerException {
        assertEquals(1.5, Options.parseDuration("--timeout", "1.5"));
        assertEquals(90, Options.parseDuration("--timeout", "1m30s"));
        assertEquals(3600 + 120, Options.parseDuration("--timeout", "1h2m"));
        assertEquals(86400, Options.parseDuration("--timeout", "1d"));
        assertEquals(0.25, Options.parseDuration("--grace", ".25"));
        assertThrows(RunnerException.class, () -> Options.parseDuration("--timeout", "soon"));
        assertThrows(RunnerException.class, () -> Options.parseDuration("--timeout", "1.5.5"));
        assertThrows(RunnerException.class, () -> Options.parseDuration("--timeout", ""));
    }

    @Test
    void timeoutTakesSecondsOrAPercentageOfTheMedian() throws RunnerException {
        assertEquals(2.5, parse("--timeout", "2.5", "x").timeoutSeconds);
        assertEquals(2.0, parse("--timeout", "200%", "x").timeoutOfMedian);
        assertTrue(error("--timeout", "0", "x").startsWith("--timeout must be more than 0"));
        assertTrue(error("--timeout", "x%", "x").startsWith("--timeout must be a duration"));
    }

    @Test
    void retriesMustBeAWholeNumber() throws RunnerException {
        assertEquals(1, parse("x").retries);
        assertEquals(0, parse("--retries", "0", "x").retries);
        assertEquals(3, parse("--retries=3", "x").retries);
        assertTrue(error("--retries", "-1", "x").startsWith("--retries must be a whole number"));
    }

    @Test
    void outputModesAndTheirConflicts() throws RunnerException {
        assertEquals(Options.OutputKind.LINE_BUFFER, parse("--lb", "x").output);
        assertEquals(Options.OutputKind.GROUP, parse("-u", "--group", "x").output);
        assertTrue(error("-u", "--tag", "x").contains("cannot be used with -u"));
        assertTrue(error("-u", "--results", "d", "x").contains("cannot be used with -u"));
    }

    @Test
    void colsepMustCompile() throws RunnerException {
        assertEquals("\\t", parse("--colsep", "\\t", "x").colsep.pattern());
        assertTrue(error("--colsep", "(", "x").startsWith("--colsep is not a valid regular expression: ("));
    }

    @Test
    void theRunnersOwnOptions() throws RunnerException {
        Options o = parse("--shard", "1/4", "--report", "r.json", "--grace", "2", "--shell", "x");
        assertEquals(new Shard(1, 4), o.shard);
        assertEquals(Path.of("r.json"), o.report);
        assertEquals(2.0, o.graceSeconds);
        assertTrue(o.shell);
    }

    @Test
    void helpAndVersionNeedNoCommand() throws RunnerException {
        assertTrue(parse("--help").help);
        assertTrue(parse("-V").version);
    }

    @Test
    void niceTakesMinus20To19() throws RunnerException {
        assertEquals(5, parse("--nice", "5", "x").nice);
        assertEquals(-20, parse("--nice", "-20", "x").nice);
        assertTrue(error("--nice", "20", "x").startsWith("--nice must be a niceness from -20 to 19"));
        assertTrue(error("--nice", "low", "x").startsWith("--nice must be a niceness from -20 to 19"));
    }

    @Test
    void rlimitTakesANameAndSoftAndHardLimits() throws RunnerException {
        Options o = parse("--rlimit", "NOFILE=1024", "--rlimit", "rlimit_as=2g:4g", "--rlimit", "cpu=60:unlimited", "x");
        assertEquals(new ResourceLimit.Setting(1024, 1024), o.rlimits.get(ResourceLimit.NOFILE));
        assertEquals(new ResourceLimit.Setting(2L << 30, 4L << 30), o.rlimits.get(ResourceLimit.AS));
        assertEquals(new ResourceLimit.Setting(60, ResourceLimit.UNLIMITED), o.rlimits.get(ResourceLimit.CPU));
    }

    @Test
    void badRlimitsNameTheProblem() {
        assertTrue(error("--rlimit", "FILES=10", "x").startsWith("--rlimit: unknown limit FILES"));
        assertTrue(error("--rlimit", "NOFILE", "x").startsWith("--rlimit must be NAME=SOFT[:HARD]"));
        assertTrue(error("--rlimit", "NOFILE=10:5", "x").startsWith("--rlimit: the soft limit exceeds the hard limit"));
        assertTrue(error("--rlimit", "NOFILE=lots", "x").startsWith("--rlimit must be NAME=SOFT[:HARD]"));
        assertTrue(error("--rlimit", "AS=99999999999999999t", "x").startsWith("--rlimit must be NAME=SOFT[:HARD]"));
    }

    @Test
    void cgroupIsMadeAbsolute() throws RunnerException {
        assertTrue(parse("--cgroup", "rel/dir", "x").cgroup.isAbsolute());
    }
}
