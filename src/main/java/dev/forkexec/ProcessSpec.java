package dev.forkexec;

import dev.forkexec.internal.SpawnRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything needed to start one child: argv, program, environment, directory, credentials,
 * session or process group, resource limits, umask, niceness, parent-death signal, cgroup, the fd
 * map and, with {@link Builder#usePTY()}, a pseudo-terminal. Immutable and reusable for any number
 * of spawns; the native form (UTF-8 strings, the program's candidate paths) is computed on the
 * first spawn and reused.
 *
 * <pre>{@code
 * ProcessSpec spec = ProcessSpec.command("sh", "-c", "echo hi >&3")
 *         .childFD(3, ChildFD.parentReads())
 *         .directory(Path.of("/tmp"))
 *         .build();
 * }</pre>
 *
 * <p>Program lookup: a name without {@code '/'} is searched in the {@code PATH} of the child's
 * environment (as {@code execvpe} does), else in {@code /usr/local/bin:/usr/bin:/bin}; an empty PATH
 * entry means the child's working directory. The search happens in the child, after
 * {@code chdir}, over the candidates computed here.
 *
 * <p>The fd map starts as {@code {0: parentWrites(), 1: parentReads(), 2: parentReads()}}. A child
 * fd absent from the map is closed in the child (0, 1 and 2 included), and so is every parent fd
 * the map does not name.
 *
 * <p>In the child the settings take effect in this order, each a raw system call between clone and
 * exec: signal dispositions reset; cgroup joined; {@code setsid} or {@code setpgid}; resource limits;
 * niceness; supplementary groups, gid, uid; parent-death signal; no-new-privileges; umask; working
 * directory; the fd map; the terminal taken as controlling terminal ({@code TIOCSCTTY}, with
 * usePTY); every other fd closed; signals unblocked; exec. Limits and niceness come
 * before the credential change, so a privileged JVM can give an unprivileged child limits or a
 * priority it could not set itself; the parent-death signal comes after it, because a credential
 * change clears it. A step that fails fails the spawn with a {@link SpawnException} naming it.
 */
public final class ProcessSpec {
    private final List<String> argv;
    private final String executable;
    private final Map<String, String> environment;
    private final Path directory;
    private final int uid;
    private final int gid;
    private final int[] groups;
    private final Map<Integer, ChildFD> childFDs;
    private final boolean newSession;
    private final int processGroup;
    private final Map<ResourceLimit, ResourceLimit.Setting> rlimits;
    private final int umask;
    private final Integer niceness;
    private final int parentDeathSignal;
    private final Path cgroup;
    private final boolean noNewPrivileges;
    /** The terminal's size; 0 without one. */
    private final int terminalColumns;
    private final int terminalRows;
    private final boolean terminalEcho;
    private final boolean terminalRaw;
    /** The native form, encoded on the first spawn and reused by every later one. */
    private volatile SpawnRequest request;

    private ProcessSpec(Builder b, Map<String, String> env, Map<Integer, ChildFD> map) {
        this.argv = List.copyOf(b.argv);
        this.executable = b.executable;
        this.environment = env;
        this.directory = b.directory;
        this.uid = b.uid;
        this.gid = b.gid;
        this.groups = b.groups == null ? null : b.groups.clone();
        this.childFDs = Collections.unmodifiableMap(new TreeMap<>(map));
        this.newSession = b.newSession;
        this.processGroup = b.processGroup;
        this.rlimits = b.rlimits.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(b.rlimits));
        this.umask = b.umask;
        this.niceness = b.niceness;
        this.parentDeathSignal = b.parentDeathSignal;
        this.cgroup = b.cgroup;
        this.noNewPrivileges = b.noNewPrivileges;
        this.terminalColumns = b.pty ? b.ptyColumns : 0;
        this.terminalRows = b.pty ? b.ptyRows : 0;
        this.terminalRaw = b.pty && b.terminalRaw;
        this.terminalEcho = b.pty && (b.terminalEcho != null ? b.terminalEcho : !b.terminalRaw);
    }

    /**
     * Starts a builder; {@code argv[0]} names the program and is the child's {@code argv[0]}.
     *
     * @param argv the program and its arguments; checked by {@link Builder#build()} (not null or
     *     empty, no null element, no NUL character)
     * @return a builder with the default fd map and the JVM's environment
     */
    public static Builder command(String... argv) {
        return new Builder(argv == null ? null : Arrays.asList(argv));
    }

    /**
     * Starts a builder; {@code argv.get(0)} names the program and is the child's {@code argv[0]}.
     *
     * @param argv the program and its arguments (copied); checked by {@link Builder#build()}
     * @return a builder with the default fd map and the JVM's environment
     */
    public static Builder command(List<String> argv) {
        return new Builder(argv);
    }

    /** {@return a new builder holding this spec's values, to derive a variant} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@return the child's argv, {@code argv[0]} first (unmodifiable)} */
    public List<String> argv() {
        return argv;
    }

    /** {@return the program run instead of {@code argv[0]}, or null to run {@code argv[0]}} */
    public String executable() {
        return executable;
    }

    /** {@return the child's whole environment (the parent's when none was given), unmodifiable, in a fixed order} */
    public Map<String, String> environment() {
        return environment;
    }

    /** {@return the child's working directory, or null for the parent's} */
    public Path directory() {
        return directory;
    }

    /** {@return the uid the child runs as, or -1 for unchanged} */
    public int uid() {
        return uid;
    }

    /** {@return the gid the child runs as, or -1 for unchanged} */
    public int gid() {
        return gid;
    }

    /** {@return a copy of the supplementary groups, or null when {@code setgroups} is not called} */
    public int[] groups() {
        return groups == null ? null : groups.clone();
    }

    /**
     * {@return the fd map, by child fd, in ascending order (unmodifiable)} With a terminal, fds 0, 1
     * and 2 are {@link ChildFD.Kind#TERMINAL} entries.
     */
    public Map<Integer, ChildFD> childFDs() {
        return childFDs;
    }

    /** {@return whether the child calls {@code setsid()} ({@link Builder#newSession(boolean)})} */
    public boolean newSession() {
        return newSession;
    }

    /**
     * The process group the child joins ({@code setpgid}): 0 for a new group led by the child, a
     * pgid to join an existing one; empty to stay in the parent's. A child started with
     * {@link #newSession()} leads its own group whatever this says.
     *
     * @return 0 (a new group), the pgid to join, or empty
     */
    public OptionalInt processGroup() {
        return processGroup < 0 ? OptionalInt.empty() : OptionalInt.of(processGroup);
    }

    /**
     * Whether the child leads its own process group: a new session ({@code newSession}, or a
     * terminal, which implies one), or {@code processGroup(0)}.
     *
     * @return true when the child's pid is also its process group id
     */
    public boolean leadsProcessGroup() {
        return newSession || processGroup == 0 || usesPTY();
    }

    /**
     * Whether the child runs on a new pseudo-terminal ({@link Builder#usePTY(int, int)}): then its fds
     * 0, 1 and 2 are the terminal ({@link ChildFD.Kind#TERMINAL} in {@link #childFDs()}), it leads a
     * new session, and the terminal is its controlling terminal.
     *
     * @return true for a spec built with {@link Builder#usePTY()} or {@link Builder#usePTY(int, int)}
     */
    public boolean usesPTY() {
        return terminalColumns > 0;
    }

    /** {@return the terminal's width in columns when the child starts; 0 without a terminal} */
    public int terminalColumns() {
        return terminalColumns;
    }

    /** {@return the terminal's height in rows when the child starts; 0 without a terminal} */
    public int terminalRows() {
        return terminalRows;
    }

    /**
     * Whether the terminal echoes what is typed into it when the child starts: true unless
     * {@link Builder#terminalEcho(boolean) terminalEcho(false)} or {@link Builder#terminalRaw(boolean)
     * terminalRaw(true)} said otherwise; false without a terminal.
     *
     * @return whether echo is on when the child starts
     */
    public boolean terminalEcho() {
        return terminalEcho;
    }

    /**
     * {@return whether the terminal is in raw mode when the child starts ({@link Builder#terminalRaw(boolean)});
     * false without a terminal}
     */
    public boolean terminalRaw() {
        return terminalRaw;
    }

    /** {@return the resource limits set in the child, by limit (unmodifiable; empty when none are set)} */
    public Map<ResourceLimit, ResourceLimit.Setting> rlimits() {
        return rlimits;
    }

    /** {@return the child's umask, or empty to inherit the parent's} */
    public OptionalInt umask() {
        return umask < 0 ? OptionalInt.empty() : OptionalInt.of(umask);
    }

    /** {@return the child's niceness (-20..19), or empty to inherit the parent's} */
    public OptionalInt niceness() {
        return niceness == null ? OptionalInt.empty() : OptionalInt.of(niceness);
    }

    /** {@return the signal the child receives when this JVM dies, or 0 for none} */
    public int parentDeathSignal() {
        return parentDeathSignal;
    }

    /** {@return the cgroup v2 directory the child starts in, or null for the parent's cgroup} */
    public Path cgroup() {
        return cgroup;
    }

    /** {@return whether the child runs with {@code PR_SET_NO_NEW_PRIVS}} */
    public boolean noNewPrivileges() {
        return noNewPrivileges;
    }

    /** The files the child tries to execve, in order. */
    List<String> candidates() {
        return request().candidates();
    }

    /** This spec in the form the native layer reads. */
    SpawnRequest request() {
        SpawnRequest r = request;
        if (r == null) request = r = SpawnRequest.of(this);
        return r;
    }

    @Override
    public String toString() {
        return "ProcessSpec" + argv + (executable != null ? " executable=" + executable : "")
                + (directory != null ? " directory=" + directory : "") + " childFDs=" + childFDs
                + (uid >= 0 ? " uid=" + uid : "") + (gid >= 0 ? " gid=" + gid : "")
                + (groups != null ? " groups=" + Arrays.toString(groups) : "") + (newSession ? " newSession" : "")
                + (processGroup >= 0 ? " processGroup=" + processGroup : "")
                + (rlimits.isEmpty() ? "" : " rlimits=" + rlimits)
                + (umask >= 0 ? " umask=0" + Integer.toOctalString(umask) : "")
                + (niceness != null ? " niceness=" + niceness : "")
                + (parentDeathSignal > 0 ? " parentDeathSignal=" + parentDeathSignal : "")
                + (cgroup != null ? " cgroup=" + cgroup : "") + (noNewPrivileges ? " noNewPrivileges" : "")
                + (usesPTY() ? " pty=" + terminalColumns + "x" + terminalRows + (terminalRaw ? " raw" : "")
                        + (terminalEcho == !terminalRaw ? "" : terminalEcho ? " echo" : " -echo") : "");
    }

    /**
     * Collects a spec's values; {@link #build()} checks them all. Builders are not thread-safe; the
     * specs they build are.
     */
    public static final class Builder {
        private List<String> argv;
        private String executable;
        private Map<String, String> environment;
        private Path directory;
        private int uid = -1;
        private int gid = -1;
        private int[] groups;
        private Map<Integer, ChildFD> childFDs = defaultMap();
        private boolean newSession;
        private int processGroup = -1;
        private final Map<ResourceLimit, ResourceLimit.Setting> rlimits = new EnumMap<>(ResourceLimit.class);
        private int umask = -1;
        private Integer niceness;
        private int parentDeathSignal;
        private Path cgroup;
        private boolean noNewPrivileges;
        private boolean pty;
        private int ptyColumns;
        private int ptyRows;
        private Boolean terminalEcho; // null: the mode's default (on, off in raw mode)
        private boolean terminalRaw;
        private boolean terminalRawSet;
        /** The child fds the caller set with childFD or childFDs (not the default map's). */
        private Set<Integer> callerFDs = new HashSet<>();
        // Which values were set explicitly: null or negative is an error only then.
        private boolean executableSet;
        private boolean environmentSet;
        private boolean directorySet;
        private boolean uidSet;
        private boolean gidSet;
        private boolean groupsSet;
        private boolean processGroupSet;
        private boolean umaskSet;
        private boolean parentDeathSignalSet;
        private boolean cgroupSet;
        private String rlimitError;
        /** Set only by {@link Processes}: the JDK passes an environment variable named "" on. */
        private boolean emptyNameAllowed;

        private Builder(List<String> argv) {
            this.argv = argv == null ? null : new ArrayList<>(argv);
        }

        /** A builder holding a built spec's values: everything in it is set and already valid. */
        private Builder(ProcessSpec spec) {
            this(spec.argv);
            environment(spec.environment);
            childFDs(spec.childFDs);
            newSession(spec.newSession);
            if (spec.executable != null) executable(spec.executable);
            if (spec.directory != null) directory(spec.directory);
            if (spec.uid >= 0) uid(spec.uid);
            if (spec.gid >= 0) gid(spec.gid);
            if (spec.groups != null) groups(spec.groups);
            if (spec.processGroup >= 0) processGroup(spec.processGroup);
            rlimits.putAll(spec.rlimits);
            if (spec.umask >= 0) umask(spec.umask);
            niceness = spec.niceness;
            if (spec.parentDeathSignal > 0) parentDeathSignal(spec.parentDeathSignal);
            if (spec.cgroup != null) cgroup(spec.cgroup);
            noNewPrivileges(spec.noNewPrivileges);
            if (spec.usesPTY()) {
                usePTY(spec.terminalColumns, spec.terminalRows);
                terminalRaw(spec.terminalRaw);
                terminalEcho(spec.terminalEcho);
            }
        }

        private static Map<Integer, ChildFD> defaultMap() {
            Map<Integer, ChildFD> m = new HashMap<>();
            m.put(0, ChildFD.parentWrites());
            m.put(1, ChildFD.parentReads());
            m.put(2, ChildFD.parentReads());
            return m;
        }

        /**
         * Runs this program instead of {@code argv[0]}; the child's {@code argv[0]} stays as given.
         *
         * @param path the program: a name without {@code '/'} is looked up in the {@code PATH} as
         *     {@code argv[0]} would be; a path with one is used as it is (a relative one from the
         *     child's working directory)
         * @return this builder
         */
        public Builder executable(String path) {
            this.executable = path;
            this.executableSet = true;
            return this;
        }


        /**
         * The child's whole environment; default: the parent's, {@link System#getenv()}.
         *
         * @param env every variable the child gets (copied; nothing of the parent's is added)
         * @return this builder
         */
        public Builder environment(Map<String, String> env) {
            this.environment = env == null ? null : new LinkedHashMap<>(env);
            this.environmentSet = true;
            return this;
        }

        /**
         * The child's working directory; default: the parent's.
         *
         * @param dir the directory the child {@code chdir}s to, after the credential change
         * @return this builder
         */
        public Builder directory(Path dir) {
            this.directory = dir;
            this.directorySet = true;
            return this;
        }


        /**
         * Runs the child as this user (needs privilege); default: unchanged.
         *
         * @param uid the real, effective and saved user id, not negative
         * @return this builder
         */
        public Builder uid(int uid) {
            this.uid = uid;
            this.uidSet = true;
            return this;
        }


        /**
         * Runs the child with this group (needs privilege); default: unchanged.
         *
         * @param gid the real, effective and saved group id, not negative
         * @return this builder
         */
        public Builder gid(int gid) {
            this.gid = gid;
            this.gidSet = true;
            return this;
        }


        /**
         * The supplementary groups (needs privilege); default: unchanged.
         *
         * @param gids the group ids, none negative; none at all drops every supplementary group
         * @return this builder
         */
        public Builder groups(int... gids) {
            this.groups = gids == null ? null : gids.clone();
            this.groupsSet = true;
            return this;
        }


        /**
         * Sets one entry of the fd map (which starts as the default map). With {@link #usePTY()}, an
         * entry for fd 0, 1 or 2 is rejected by {@link #build()}.
         *
         * @param childFD the fd number in the child, not negative
         * @param what what the child finds there
         * @return this builder
         */
        public Builder childFD(int childFD, ChildFD what) {
            if (childFDs == null) childFDs = new HashMap<>();
            childFDs.put(childFD, what);
            callerFDs.add(childFD);
            return this;
        }

        /**
         * Replaces the whole fd map; an empty map leaves the child with no fds at all. With
         * {@link #usePTY()}, an entry for fd 0, 1 or 2 is rejected by {@link #build()}.
         *
         * @param map every fd the child gets, by child fd (copied)
         * @return this builder
         */
        public Builder childFDs(Map<Integer, ChildFD> map) {
            this.childFDs = map == null ? null : new HashMap<>(map);
            this.callerFDs = map == null ? new HashSet<>() : new HashSet<>(map.keySet());
            return this;
        }

        /**
         * {@code usePTY(80, 24)}: the child runs on a new 80x24 pseudo-terminal.
         *
         * @return this builder
         */
        public Builder usePTY() {
            return usePTY(80, 24);
        }

        /**
         * The child runs on a new pseudo-terminal of {@code columns} x {@code rows} (1 to 65535 each),
         * as Twisted's {@code usePTY}: its fds 0, 1 and 2 are the terminal's slave side, it leads a new
         * session ({@code setsid}) and the terminal is its controlling terminal, so {@code /dev/tty}
         * works in it and a ^C typed into the terminal reaches its foreground process group as SIGINT.
         * The size is set before the child exists, so the program never sees a 0x0 terminal.
         *
         * <p>The default map's entries for fds 0, 1 and 2 are replaced by the terminal; an entry for
         * one of them that the caller set (with {@link #childFD} or {@link #childFDs}, before or after
         * this call) is rejected by {@link #build()}, as Twisted raises ValueError. Entries for fds 3
         * and up stay allowed ({@code sameAs(1)} gives another fd the terminal). {@code processGroup}
         * with a group other than 0 is rejected (the child leads a new session and group).
         *
         * <p>Through a {@link Reactor} the terminal's output arrives as {@code childDataReceived(1, ...)},
         * {@code write} types into it and {@link ChildProcess#terminal()} controls it; through a
         * {@link Subprocess}, {@code channel(0)} and {@code channel(1)} are the same channel, the
         * master, for reading and writing. A failure to set the terminal up fails the spawn with
         * step {@code "pty"}.
         *
         * @param columns the terminal's width, 1 to 65535
         * @param rows the terminal's height, 1 to 65535
         * @return this builder
         */
        public Builder usePTY(int columns, int rows) {
            this.pty = true;
            this.ptyColumns = columns;
            this.ptyRows = rows;
            return this;
        }

        /**
         * Whether the terminal echoes what is typed into it when the child starts (default: on, and
         * off in raw mode), set on the terminal before the child exists so there is no race with a
         * program that reads at once. Off is what pexpect's {@code echo=False} does: only the
         * child's output comes back, not the input. Needs {@link #usePTY()}; {@link Terminal#setEcho}
         * changes it later.
         *
         * @param on true for echo on
         * @return this builder
         */
        public Builder terminalEcho(boolean on) {
            this.terminalEcho = on;
            return this;
        }

        /**
         * Whether the terminal starts in raw mode (default off): {@code cfmakeraw}, as {@code stty raw
         * -echo} does, so bytes pass unchanged both ways, no line editing, no 4095-byte line limit, no
         * signal characters, no {@code \n} to {@code \r\n}. It also turns echo off unless
         * {@link #terminalEcho(boolean) terminalEcho(true)} asks for it. Set before the child exists.
         * Needs {@link #usePTY()}; {@link Terminal#setRaw} changes it later.
         *
         * @param on true for raw mode
         * @return this builder
         */
        public Builder terminalRaw(boolean on) {
            this.terminalRaw = on;
            this.terminalRawSet = true;
            return this;
        }

        /**
         * Calls {@code setsid()} in the child, so it leads a new session and process group, without a
         * controlling terminal; default false.
         *
         * @param on true to start a new session
         * @return this builder
         */
        public Builder newSession(boolean on) {
            this.newSession = on;
            return this;
        }

        /**
         * {@code setpgid} in the child: 0 makes it the leader of a new group whose id is its pid (so
         * {@link ChildProcess#signalProcessGroup} reaches it and everything it starts); a positive
         * pgid joins that existing group of this session. Default: the parent's group. With
         * {@link #newSession(boolean)} the child leads its own group already; only 0 is allowed then.
         *
         * @param pgid 0 for a new group, or the id of an existing group of this session
         * @return this builder
         */
        public Builder processGroup(int pgid) {
            this.processGroup = pgid;
            this.processGroupSet = true;
            return this;
        }

        /**
         * Sets one resource limit in the child before exec ({@code prlimit}); {@code Long.MAX_VALUE}
         * ({@link ResourceLimit#UNLIMITED}) means unlimited. The soft limit may not exceed the hard
         * one; raising a hard limit above the parent's needs {@code CAP_SYS_RESOURCE}, else the spawn
         * fails with step {@code "rlimit"}. Invalid values are reported by {@link #build()}.
         *
         * @param which the limit to set; setting it again replaces the earlier values
         * @param soft the limit the kernel enforces, not negative and at most {@code hard}
         * @param hard the ceiling for the soft limit, not negative
         * @return this builder
         */
        public Builder rlimit(ResourceLimit which, long soft, long hard) {
            if (which == null) {
                rlimitError = "rlimit: the limit must not be null";
            } else if (soft < 0 || hard < 0) {
                rlimitError = "rlimit " + which + ": limits must not be negative (use Long.MAX_VALUE for"
                        + " unlimited), were " + soft + " and " + hard;
            } else if (soft > hard) {
                rlimitError = "rlimit " + which + ": the soft limit " + soft + " exceeds the hard limit " + hard;
            } else {
                rlimits.put(which, new ResourceLimit.Setting(soft, hard));
            }
            return this;
        }

        /**
         * The child's umask; default: the parent's.
         *
         * @param mask the file mode creation mask, 0 to 0777 (e.g. {@code 022}, octal)
         * @return this builder
         */
        public Builder umask(int mask) {
            this.umask = mask;
            this.umaskSet = true;
            return this;
        }

        /**
         * The child's niceness, -20 (most favoured) to 19; default: the parent's. Lowering it below the
         * parent's needs {@code CAP_SYS_NICE}, else the spawn fails with step {@code "nice"} (EACCES).
         *
         * @param nice the niceness, -20 to 19
         * @return this builder
         */
        public Builder niceness(int nice) {
            this.niceness = nice;
            return this;
        }

        /**
         * The signal (1..64) the child receives when this JVM dies ({@code PR_SET_PDEATHSIG}), and only
         * then. The kernel sends it when the <em>thread</em> that created the child ends, so such
         * children are created by one library thread that lives as long as the JVM, whatever thread
         * asked for the spawn. The setting survives exec, but not into a set-user-ID program.
         *
         * @param signal the signal number, 1 to 64 (e.g. 9 for SIGKILL)
         * @return this builder
         */
        public Builder parentDeathSignal(int signal) {
            this.parentDeathSignal = signal;
            this.parentDeathSignalSet = true;
            return this;
        }

        /**
         * Starts the child inside this cgroup v2 directory ({@code clone3} with
         * {@code CLONE_INTO_CGROUP}, Linux 5.7+): it never runs a moment outside it. Where clone3 is
         * refused (seccomp, old kernels), the child moves itself there before anything else by writing
         * its {@code cgroup.procs}. A missing directory, a cgroup v1 directory, or no permission fails
         * the spawn with step {@code "cgroup"}.
         *
         * @param cgroupDirectory the cgroup's directory under the cgroup v2 mount, e.g.
         *     {@code /sys/fs/cgroup/jobs/job1}
         * @return this builder
         */
        public Builder cgroup(Path cgroupDirectory) {
            this.cgroup = cgroupDirectory;
            this.cgroupSet = true;
            return this;
        }

        /**
         * {@code PR_SET_NO_NEW_PRIVS}: exec can never grant the child privileges (set-user-ID,
         * capabilities); default false.
         *
         * @param on true to set it
         * @return this builder
         */
        public Builder noNewPrivileges(boolean on) {
            this.noNewPrivileges = on;
            return this;
        }

        /** Lets the environment hold a variable with an empty name, as ProcessBuilder's may ("=value"). */
        Builder allowEmptyEnvironmentName() {
            this.emptyNameAllowed = true;
            return this;
        }

        /**
         * Checks every value and builds the spec. The builder can be changed and built again.
         *
         * @return the immutable spec
         * @throws IllegalArgumentException naming the first value that is wrong: a null or empty argv,
         *     a null or NUL character in a string, a bad environment name, a negative id or fd, a
         *     {@code sameAs} naming a missing fd or looping, a caller's entry for fd 0-2 with a
         *     terminal, a terminal setting without {@link #usePTY()}, or a value out of range
         */
        public ProcessSpec build() {
            if (argv == null) throw new IllegalArgumentException("argv must not be null");
            if (argv.isEmpty()) throw new IllegalArgumentException("argv must not be empty: argv[0] names the program");
            for (int i = 0; i < argv.size(); i++) {
                String a = argv.get(i);
                if (a == null) throw new IllegalArgumentException("argv[" + i + "] is null");
                if (a.indexOf('\0') >= 0) noNul(a, "argv[" + i + "]");
            }
            if (executableSet) {
                if (executable == null) throw new IllegalArgumentException("executable must not be null");
                if (executable.isEmpty()) throw new IllegalArgumentException("executable must not be empty");
                noNul(executable, "executable");
            }
            Map<String, String> env;
            if (environmentSet) {
                if (environment == null) throw new IllegalArgumentException("environment must not be null");
                env = environment;
            } else {
                env = System.getenv();
            }
            // environment() took a private copy that nothing changes afterwards (a later call replaces
            // it), so once checked it can be the spec's own; the JVM's environment is copied, in its order.
            Map<String, String> checked = environmentSet ? null : new LinkedHashMap<>();
            for (Map.Entry<String, String> e : env.entrySet()) {
                String name = e.getKey();
                String value = e.getValue();
                if (name == null) throw new IllegalArgumentException("environment has a null name");
                if (value == null) throw new IllegalArgumentException("environment variable " + name + " is null");
                if (name.isEmpty() && !emptyNameAllowed) {
                    throw new IllegalArgumentException("environment has an empty variable name");
                }
                if (name.indexOf('=') >= 0) {
                    throw new IllegalArgumentException("environment variable name '" + name + "' contains '='");
                }
                // The messages are built only on failure: a spec's build must stay cheap for job runners.
                if (name.indexOf('\0') >= 0) noNul(name, "environment variable name " + printable(name));
                if (value.indexOf('\0') >= 0) noNul(value, "environment variable " + name);
                if (checked != null) checked.put(name, value);
            }
            if (checked == null) checked = environment;
            if (directorySet && directory == null) throw new IllegalArgumentException("directory must not be null");
            if (directory != null) noNul(directory.toString(), "directory");
            if (uidSet && uid < 0) throw new IllegalArgumentException("uid must not be negative, was " + uid);
            if (gidSet && gid < 0) throw new IllegalArgumentException("gid must not be negative, was " + gid);
            if (groupsSet) {
                if (groups == null) throw new IllegalArgumentException("groups must not be null");
                for (int g : groups) {
                    if (g < 0) throw new IllegalArgumentException("groups must not hold a negative gid, found " + g);
                }
            }
            if (childFDs == null) throw new IllegalArgumentException("childFDs must not be null");
            for (Map.Entry<Integer, ChildFD> e : childFDs.entrySet()) {
                if (e.getKey() == null) throw new IllegalArgumentException("childFDs must not hold a null child fd");
                if (e.getValue() == null) {
                    throw new IllegalArgumentException("childFDs: child fd " + e.getKey() + " maps to null");
                }
                if (e.getKey() < 0) {
                    throw new IllegalArgumentException("child fd must not be negative, was " + e.getKey());
                }
                ChildFD what = e.getValue();
                if (what.kind() == ChildFD.Kind.INHERIT && what.parentFD() < 0) {
                    throw new IllegalArgumentException("child fd " + e.getKey() + ": parent fd must not be negative, was "
                            + what.parentFD());
                }
            }
            Map<Integer, ChildFD> map = terminalMap();
            checkSameAs(map);
            checkProcessOptions();
            return new ProcessSpec(this, Collections.unmodifiableMap(checked), map);
        }

        /**
         * The map the child gets: with usePTY, fds 0, 1 and 2 become the terminal, unless the caller
         * set one of them to something else. Without it no entry may be the terminal.
         */
        private Map<Integer, ChildFD> terminalMap() {
            Map<Integer, ChildFD> map = new HashMap<>(childFDs);
            if (!pty) {
                if (terminalEcho != null || terminalRawSet) {
                    throw new IllegalArgumentException((terminalEcho != null ? "terminalEcho" : "terminalRaw")
                            + " sets up the pseudo-terminal of usePTY(); call usePTY() too");
                }
                for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
                    if (e.getValue().kind() == ChildFD.Kind.TERMINAL) {
                        throw new IllegalArgumentException("child fd " + e.getKey() + " is the terminal of a spec"
                                + " built with usePTY(), but this one has no terminal; call usePTY()");
                    }
                }
                return map;
            }
            if (ptyColumns < 1 || ptyColumns > 65535 || ptyRows < 1 || ptyRows > 65535) {
                throw new IllegalArgumentException("usePTY: columns and rows must be 1 to 65535, were " + ptyColumns
                        + " and " + ptyRows);
            }
            for (int fd = 0; fd <= 2; fd++) {
                ChildFD what = map.get(fd);
                if (callerFDs.contains(fd) && what != null && what.kind() != ChildFD.Kind.TERMINAL) {
                    throw new IllegalArgumentException("child fd " + fd + " is set to " + what + ", but with usePTY()"
                            + " fds 0, 1 and 2 are the terminal; remove that entry (fds 3 and up may be set)");
                }
                map.put(fd, ChildFD.TERMINAL);
            }
            return map;
        }

        /** A sameAs entry must name a child fd of the map, and following sameAs must not loop. */
        private void checkSameAs(Map<Integer, ChildFD> childFDs) {
            for (Map.Entry<Integer, ChildFD> e : childFDs.entrySet()) {
                int fd = e.getKey();
                ChildFD what = e.getValue();
                List<Integer> chain = new ArrayList<>(List.of(fd));
                while (what.kind() == ChildFD.Kind.SAME_AS) {
                    int next = what.sameAsFD();
                    what = childFDs.get(next);
                    if (what == null) {
                        throw new IllegalArgumentException("child fd " + fd + ": sameAs(" + next + ") names child fd "
                                + next + ", which is not in the map " + new TreeMap<>(childFDs));
                    }
                    if (chain.contains(next)) {
                        chain.add(next);
                        throw new IllegalArgumentException("child fd " + fd + ": sameAs entries loop: " + chain
                                + "; one of them must be a pipe, a file or an inherited fd");
                    }
                    chain.add(next);
                }
            }
        }

        private void checkProcessOptions() {
            if (processGroupSet && processGroup < 0) {
                throw new IllegalArgumentException("processGroup must be 0 (a new group) or a pgid, was " + processGroup);
            }
            if (newSession && processGroup > 0) {
                throw new IllegalArgumentException("newSession makes the child lead its own process group; it cannot"
                        + " also join group " + processGroup);
            }
            if (pty && processGroup > 0) {
                throw new IllegalArgumentException("usePTY makes the child lead a new session and process group; it"
                        + " cannot also join group " + processGroup);
            }
            if (rlimitError != null) throw new IllegalArgumentException(rlimitError);
            if (umaskSet && (umask < 0 || umask > 0777)) {
                throw new IllegalArgumentException("umask must be 0 to 0777 (octal), was 0" + Integer.toOctalString(umask));
            }
            if (niceness != null && (niceness < -20 || niceness > 19)) {
                throw new IllegalArgumentException("niceness must be -20 to 19, was " + niceness);
            }
            if (parentDeathSignalSet && (parentDeathSignal < 1 || parentDeathSignal > 64)) {
                throw new IllegalArgumentException("parentDeathSignal must be a signal from 1 to 64, was "
                        + parentDeathSignal);
            }
            if (cgroupSet) {
                if (cgroup == null) throw new IllegalArgumentException("cgroup must not be null");
                noNul(cgroup.toString(), "cgroup");
            }
        }

        private static void noNul(String s, String what) {
            int at = s.indexOf('\0');
            if (at >= 0) {
                throw new IllegalArgumentException(what + " contains a NUL character at index " + at
                        + "; C strings cannot carry it");
            }
        }

        private static String printable(String s) {
            return "'" + s.replace("\0", "\\0") + "'";
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ProcessSpec)) return false;
        ProcessSpec s = (ProcessSpec) o;
        return argv.equals(s.argv) && Objects.equals(executable, s.executable) && environment.equals(s.environment)
                && Objects.equals(directory, s.directory) && uid == s.uid && gid == s.gid
                && Arrays.equals(groups, s.groups) && childFDs.equals(s.childFDs) && newSession == s.newSession
                && processGroup == s.processGroup && rlimits.equals(s.rlimits) && umask == s.umask
                && Objects.equals(niceness, s.niceness) && parentDeathSignal == s.parentDeathSignal
                && Objects.equals(cgroup, s.cgroup) && noNewPrivileges == s.noNewPrivileges
                && terminalColumns == s.terminalColumns && terminalRows == s.terminalRows
                && terminalEcho == s.terminalEcho && terminalRaw == s.terminalRaw;
    }

    @Override
    public int hashCode() {
        return Objects.hash(argv, executable, directory, uid, gid, childFDs, newSession);
    }
}
