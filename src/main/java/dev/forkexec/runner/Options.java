package dev.forkexec.runner;

import dev.forkexec.ResourceLimit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The runner's command line, parsed GNU parallel style: options first (long ones as {@code --name
 * value} or {@code --name=value}, short ones bundled as in {@code -kj4}), then the command, then the
 * input sources ({@code :::} arguments, {@code ::::} files, each optionally linked to the previous
 * source with a trailing {@code +}). Parsing stops at the first word that is not an option, or after
 * {@code --}. Bad input is a {@link RunnerException} naming the problem.
 *
 * <p>Fields are set by {@link #parse} and read-only afterwards.
 */
final class Options {
    /** How the jobs' output reaches the runner's stdout and stderr. */
    enum OutputKind {
        /** Each job's output at once when it ends, stdout then stderr (the default; {@code --group}). */
        GROUP,
        /** Complete lines as soon as they arrive ({@code --line-buffer}). */
        LINE_BUFFER,
        /** The jobs write straight to the runner's stdout and stderr ({@code -u}). */
        UNGROUP
    }

    /** Where an input source comes from. */
    enum SourceKind {
        /** The words after {@code :::}. */
        ARGS,
        /** A file named after {@code ::::} or {@code -a} ({@code -} is stdin). */
        FILE,
        /** The runner's stdin (no source given at all). */
        STDIN
    }

    /** One input source as given on the command line. */
    record Source(SourceKind kind, List<String> args, String file, boolean linked) {}

    int jobs;
    boolean keepOrder;
    boolean nullDelimited;
    Pattern colsep;
    final List<Source> sources = new ArrayList<>();
    List<String> command = List.of();
    /** Seconds; 0 = no timeout. */
    double timeoutSeconds;
    /** A fraction of the median runtime of succeeded jobs ({@code --timeout 200%} = 2.0); 0 = not a percentage. */
    double timeoutOfMedian;
    /** Total attempts per job; 0 = until it succeeds. 1 without {@code --retries}. */
    int retries = 1;
    HaltPolicy halt = HaltPolicy.none();
    String joblog;
    boolean joblogAppend;
    boolean resume;
    boolean resumeFailed;
    Path results;
    boolean tag;
    OutputKind output = OutputKind.GROUP;
    boolean bar;
    boolean eta;
    boolean dryRun;
    boolean shell;
    boolean verbose;
    Shard shard = Shard.ALL;
    Path report;
    double graceSeconds = 1.0;
    Path tmpdir;
    Path cgroup;
    /** {@code --nice}: the jobs' niceness, or null for the runner's own. */
    Integer nice;
    /** {@code --rlimit}: limits set in each job, in the order given. */
    final Map<ResourceLimit, ResourceLimit.Setting> rlimits = new EnumMap<>(ResourceLimit.class);
    boolean help;
    boolean version;

    private Options() {}

    /** Parses argv; {@code cpus} is what {@code -j} percentages and {@code +N}/{@code -N} are relative to. */
    static Options parse(String[] argv, int cpus) throws RunnerException {
        Options o = new Options();
        o.jobs = cpus;
        String jobsSpec = null;
        int i = 0;
        while (i < argv.length) {
            String a = argv[i];
            if (isSeparator(a)) break;
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                Opt opt = Opt.byLong(name);
                if (opt == null) throw new RunnerException("Unknown option: " + a + " (see --help)");
                if (opt.takesValue) {
                    if (value == null) {
                        if (i + 1 >= argv.length) throw new RunnerException("Option --" + name + " needs a value");
                        value = argv[++i];
                    }
                } else if (value != null) {
                    throw new RunnerException("Option --" + name + " does not take a value: " + a);
                }
                String j = o.apply(opt, "--" + name, value);
                if (j != null) jobsSpec = j;
                i++;
                continue;
            }
            if (a.startsWith("-") && a.length() > 1) {
                for (int k = 1; k < a.length(); k++) {
                    char c = a.charAt(k);
                    Opt opt = Opt.byShort(c);
                    if (opt == null) throw new RunnerException("Unknown option: -" + c + " (see --help)");
                    String value = null;
                    if (opt.takesValue) {
                        if (k + 1 < a.length()) {
                            value = a.substring(k + 1);
                        } else if (i + 1 < argv.length) {
                            value = argv[++i];
                        } else {
                            throw new RunnerException("Option -" + c + " needs a value");
                        }
                        k = a.length();
                    }
                    String j = o.apply(opt, "-" + c, value);
                    if (j != null) jobsSpec = j;
                }
                i++;
                continue;
            }
            break;
        }
        if (o.help || o.version) return o;
        int start = i;
        while (i < argv.length && !isSeparator(argv[i])) i++;
        o.command = List.of(argv).subList(start, i);
        while (i < argv.length) {
            String sep = argv[i++];
            boolean linked = sep.endsWith("+");
            int from = i;
            while (i < argv.length && !isSeparator(argv[i])) i++;
            List<String> words = List.of(argv).subList(from, i);
            if (sep.startsWith("::::")) {
                if (words.isEmpty()) throw new RunnerException(sep + " must be followed by one or more file names");
                for (String f : words) o.sources.add(new Source(SourceKind.FILE, List.of(), f, linked));
            } else {
                o.sources.add(new Source(SourceKind.ARGS, words, null, linked));
            }
        }
        if (o.sources.isEmpty()) o.sources.add(new Source(SourceKind.STDIN, List.of(), "-", false));
        if (o.sources.get(0).linked()) {
            throw new RunnerException(argv[start + o.command.size()] + " links to a previous input source, but there is none");
        }
        if (jobsSpec != null) o.jobs = parseJobs(jobsSpec, cpus);
        o.validate();
        return o;
    }

    private void validate() throws RunnerException {
        if ((resume || resumeFailed) && joblog == null && results == null) {
            throw new RunnerException("--resume and --resume-failed require --joblog or --results");
        }
        if (output == OutputKind.UNGROUP && tag) {
            throw new RunnerException("--tag needs the output to pass through the runner; it cannot be used with -u");
        }
        if (output == OutputKind.UNGROUP && results != null) {
            throw new RunnerException("--results needs the output to pass through the runner; it cannot be used with -u");
        }
    }

    static boolean isSeparator(String a) {
        return a.equals(":::") || a.equals(":::+") || a.equals("::::") || a.equals("::::+");
    }

    /** Applies one option; returns the {@code -j} value when this was {@code -j} (resolved at the end). */
    private String apply(Opt opt, String given, String v) throws RunnerException {
        switch (opt) {
            case JOBS: return v;
            case KEEP_ORDER: keepOrder = true; break;
            case NULL: nullDelimited = true; break;
            case COLSEP:
                try {
                    colsep = Pattern.compile(v);
                } catch (PatternSyntaxException e) {
                    throw new RunnerException("--colsep is not a valid regular expression: " + v + " ("
                            + e.getDescription() + ")");
                }
                break;
            case ARG_FILE: sources.add(new Source(SourceKind.FILE, List.of(), v, false)); break;
            case TIMEOUT:
                if (v.endsWith("%")) {
                    String p = v.substring(0, v.length() - 1);
                    if (!p.matches("\\d+(\\.\\d+)?") || Double.parseDouble(p) <= 0) {
                        throw new RunnerException("--timeout must be a duration (10, 1.5, 2m, 1h30m) or a percentage (200%): " + v);
                    }
                    timeoutOfMedian = Double.parseDouble(p) / 100;
                    timeoutSeconds = 0;
                } else {
                    timeoutSeconds = parseDuration(given, v);
                    timeoutOfMedian = 0;
                    if (timeoutSeconds <= 0) throw new RunnerException("--timeout must be more than 0: " + v);
                }
                break;
            case RETRIES:
                if (!v.matches("\\d{1,9}")) throw new RunnerException("--retries must be a whole number (0 = until success): " + v);
                retries = Integer.parseInt(v);
                break;
            case HALT: halt = HaltPolicy.parse(v); break;
            case JOBLOG:
                if (v.startsWith("+")) {
                    joblogAppend = true;
                    joblog = v.substring(1);
                } else {
                    joblogAppend = false;
                    joblog = v;
                }
                if (joblog.isEmpty()) throw new RunnerException("--joblog needs a file name: " + v);
                break;
            case RESUME: resume = true; break;
            case RESUME_FAILED: resumeFailed = true; break;
            case RESULTS: results = path(given, v); break;
            case TAG: tag = true; break;
            case LINE_BUFFER: output = OutputKind.LINE_BUFFER; break;
            case UNGROUP: output = OutputKind.UNGROUP; break;
            case GROUP: output = OutputKind.GROUP; break;
            case BAR: bar = true; break;
            case ETA: eta = true; break;
            case DRY_RUN: dryRun = true; break;
            case SHELL: shell = true; break;
            case VERBOSE: verbose = true; break;
            case SHARD: shard = Shard.parse(v); break;
            case REPORT: report = path(given, v); break;
            case GRACE:
                graceSeconds = parseDuration(given, v);
                break;
            case TMPDIR: tmpdir = path(given, v); break;
            case CGROUP: cgroup = path(given, v).toAbsolutePath(); break;
            case NICE:
                if (!v.matches("[-+]?\\d{1,2}") || Math.abs(Integer.parseInt(v)) > 20 || Integer.parseInt(v) > 19) {
                    throw new RunnerException("--nice must be a niceness from -20 to 19: " + v);
                }
                nice = Integer.parseInt(v);
                break;
            case RLIMIT: parseRlimit(v); break;
            case WILL_CITE: break;
            case HELP: help = true; break;
            case VERSION: version = true; break;
            default: throw new AssertionError(opt);
        }
        return null;
    }

    /**
     * {@code NAME=SOFT[:HARD]}: NAME is one of {@link ResourceLimit} (any case, {@code RLIMIT_} prefix
     * optional), the values a number with an optional {@code k}/{@code m}/{@code g}/{@code t} (powers of
     * 1024) or {@code unlimited}. Without HARD both limits are set, as {@code ulimit} does.
     */
    private void parseRlimit(String v) throws RunnerException {
        String form = "--rlimit must be NAME=SOFT[:HARD] (e.g. NOFILE=1024, AS=2g:4g, CORE=0, CPU=60:unlimited): " + v;
        int eq = v.indexOf('=');
        if (eq <= 0) throw new RunnerException(form);
        String name = v.substring(0, eq).toUpperCase(Locale.ROOT);
        if (name.startsWith("RLIMIT_")) name = name.substring(7);
        ResourceLimit which;
        try {
            which = ResourceLimit.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new RunnerException("--rlimit: unknown limit " + v.substring(0, eq) + " (one of "
                    + java.util.Arrays.toString(ResourceLimit.values()) + "): " + v);
        }
        String[] values = v.substring(eq + 1).split(":", -1);
        if (values.length > 2) throw new RunnerException(form);
        long soft = limitValue(values[0], form);
        long hard = values.length == 2 ? limitValue(values[1], form) : soft;
        if (soft > hard) throw new RunnerException("--rlimit: the soft limit exceeds the hard limit: " + v);
        rlimits.put(which, new ResourceLimit.Setting(soft, hard));
    }

    private static long limitValue(String s, String form) throws RunnerException {
        String t = s.toLowerCase(Locale.ROOT);
        if (t.equals("unlimited") || t.equals("infinity")) return ResourceLimit.UNLIMITED;
        java.util.regex.Matcher m = Pattern.compile("(\\d{1,18})([kmgt]?)").matcher(t);
        if (!m.matches()) throw new RunnerException(form);
        long n = Long.parseLong(m.group(1));
        int shift = "kmgt".indexOf(m.group(2).isEmpty() ? "x" : m.group(2)) + 1;
        if (shift > 0 && n > (Long.MAX_VALUE >> (10 * shift))) throw new RunnerException(form);
        return n << (10 * shift);
    }

    private static Path path(String given, String v) throws RunnerException {
        if (v.isEmpty() || v.indexOf('\0') >= 0) throw new RunnerException(given + " needs a path: '" + v + "'");
        return Path.of(v);
    }

    /**
     * GNU parallel's {@code -j}: {@code N}, {@code +N} (CPUs + N), {@code -N} (CPUs - N), {@code P%}
     * (of the CPUs, rounded up). {@code 0} is an error here (GNU parallel reads it as "no limit").
     */
    static int parseJobs(String v, int cpus) throws RunnerException {
        double n;
        if (v.matches("\\d{1,9}")) {
            n = Integer.parseInt(v);
            if (n == 0) {
                throw new RunnerException("-j 0 is not allowed: give the number of jobs to run at once "
                        + "(N >= 1, +N, -N or N% of the " + cpus + " CPUs)");
            }
        } else if (v.matches("\\+\\d{1,9}")) {
            n = cpus + Integer.parseInt(v.substring(1));
        } else if (v.matches("-\\d{1,9}")) {
            n = cpus - Integer.parseInt(v.substring(1));
        } else if (v.matches("\\d{1,9}(\\.\\d+)?%")) {
            n = Math.ceil(cpus * Double.parseDouble(v.substring(0, v.length() - 1)) / 100);
        } else {
            throw new RunnerException("Parsing of --jobs/-j/--max-procs/-P failed: '" + v
                    + "' (expected N, +N, -N or N%)");
        }
        if (n < 1) throw new RunnerException("Cannot run any jobs: -j " + v + " with " + cpus + " CPUs leaves " + (long) n);
        return (int) Math.min(n, 1_000_000);
    }

    /** Seconds from {@code 12}, {@code 1.5}, {@code 2m}, {@code 1h30m}, {@code 1d} (GNU parallel's time units). */
    static double parseDuration(String given, String v) throws RunnerException {
        String s = v.trim().toLowerCase(Locale.ROOT);
        String num = "(\\d+(\\.\\d*)?|\\.\\d+)";
        if (!s.matches(num + "([dhms]" + num + ")*[dhms]?")) {
            throw new RunnerException(given + " must be a number of seconds, or use units (1.5, 90s, 2m, 1h30m, 1d): " + v);
        }
        double total = 0;
        java.util.regex.Matcher m = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)([dhms]?)").matcher(s);
        int pos = 0;
        while (m.find()) {
            if (m.start() != pos) throw new RunnerException(given + " is not a duration: " + v);
            pos = m.end();
            double x = Double.parseDouble(m.group(1));
            switch (m.group(2)) {
                case "d": x *= 86400; break;
                case "h": x *= 3600; break;
                case "m": x *= 60; break;
                default: break;
            }
            total += x;
        }
        if (pos != s.length()) throw new RunnerException(given + " is not a duration: " + v);
        return total;
    }

    /** Every option, by its GNU parallel names (and this runner's additions). */
    private enum Opt {
        JOBS(true, 'j', "jobs", "max-procs"),
        JOBS_P(true, 'P'),
        KEEP_ORDER(false, 'k', "keep-order"),
        NULL(false, '0', "null"),
        COLSEP(true, 'C', "colsep"),
        ARG_FILE(true, 'a', "arg-file"),
        TIMEOUT(true, '\0', "timeout"),
        RETRIES(true, '\0', "retries"),
        HALT(true, '\0', "halt", "halt-on-error"),
        JOBLOG(true, '\0', "joblog"),
        RESUME(false, '\0', "resume"),
        RESUME_FAILED(false, '\0', "resume-failed"),
        RESULTS(true, '\0', "results", "res"),
        TAG(false, '\0', "tag"),
        LINE_BUFFER(false, '\0', "line-buffer", "lb"),
        UNGROUP(false, 'u', "ungroup"),
        GROUP(false, '\0', "group"),
        BAR(false, '\0', "bar"),
        ETA(false, '\0', "eta"),
        DRY_RUN(false, '\0', "dry-run", "dryrun"),
        SHELL(false, '\0', "shell"),
        VERBOSE(false, 'v', "verbose"),
        SHARD(true, '\0', "shard"),
        REPORT(true, '\0', "report"),
        GRACE(true, '\0', "grace"),
        TMPDIR(true, '\0', "tmpdir"),
        CGROUP(true, '\0', "cgroup"),
        NICE(true, '\0', "nice"),
        RLIMIT(true, '\0', "rlimit"),
        WILL_CITE(false, '\0', "will-cite", "bibtex-not-wanted"),
        HELP(false, 'h', "help"),
        VERSION(false, 'V', "version");

        final boolean takesValue;
        final char shortName;
        final String[] longNames;

        Opt(boolean takesValue, char shortName, String... longNames) {
            this.takesValue = takesValue;
            this.shortName = shortName;
            this.longNames = longNames;
        }

        static Opt byLong(String name) {
            for (Opt o : values()) {
                for (String n : o.longNames) {
                    if (n.equals(name)) return o == JOBS_P ? JOBS : o;
                }
            }
            return null;
        }

        static Opt byShort(char c) {
            if (c == '\0') return null;
            for (Opt o : values()) {
                if (o.shortName == c) return o == JOBS_P ? JOBS : o;
            }
            return null;
        }
    }

    /** The usage text for {@code --help}. */
    static String usage() {
        return String.join("\n",
                "Usage: forkexec [options] command [args...] [::: inputs...] [:::: files...]",
                "       ... | forkexec [options] command [args...]",
                "",
                "Runs the command once per input, GNU parallel style, on one event loop. Without a placeholder the",
                "input is appended as the last argument. Jobs are exec'd directly (no shell) unless --shell.",
                "",
                "Inputs:  ::: a b c   :::: file   :::+ (linked to the previous source)   -a FILE   -0/--null",
                "         --colsep REGEX   (no source: lines of stdin)",
                "Placeholders: {} {.} {/} {//} {/.} {#} {%} {1} {2} {1.} {-1} ...",
                "Jobs:    -j/--jobs N|+N|-N|N%  (default: the number of CPUs)   --shell   --timeout SECONDS|N%",
                "         --grace SECONDS (after SIGTERM, default 1)   --retries N   --halt WHEN,WHAT=N[%]",
                "         --shard INDEX/COUNT   --cgroup DIR   --nice N   --rlimit NAME=SOFT[:HARD]",
                "Output:  (grouped by default) -k/--keep-order   --tag   --line-buffer   -u/--ungroup",
                "         --results DIR   --dry-run   -v/--verbose   --bar   --eta   --tmpdir DIR",
                "Records: --joblog [+]FILE   --resume   --resume-failed   --report FILE (JSON lines)",
                "Exit:    0 all jobs succeeded; 1-100 that many failed; 101 more; 255 an error of the runner",
                "");
    }
}
