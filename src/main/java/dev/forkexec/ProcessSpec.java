package dev.forkexec;

import dev.forkexec.internal.SpawnRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything needed to start one child: argv, program, environment, directory, credentials,
 * session and the fd map. Immutable and reusable for any number of spawns; the strings are
 * encoded (UTF-8) and the program's candidate paths computed once, by {@link Builder#build()}.
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
    /** The native form, encoded on the first spawn and reused by every later one. */
    private volatile SpawnRequest request;

    private ProcessSpec(Builder b, Map<String, String> env) {
        this.argv = List.copyOf(b.argv);
        this.executable = b.executable;
        this.environment = env;
        this.directory = b.directory;
        this.uid = b.uid;
        this.gid = b.gid;
        this.groups = b.groups == null ? null : b.groups.clone();
        this.childFDs = Collections.unmodifiableMap(new TreeMap<>(b.childFDs));
        this.newSession = b.newSession;
    }

    /** Starts a builder; {@code argv[0]} names the program and is the child's {@code argv[0]}. */
    public static Builder command(String... argv) {
        return new Builder(argv == null ? null : Arrays.asList(argv));
    }

    /** Starts a builder; {@code argv.get(0)} names the program and is the child's {@code argv[0]}. */
    public static Builder command(List<String> argv) {
        return new Builder(argv);
    }

    /** A builder holding this spec's values, to derive a variant. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The child's argv, {@code argv[0]} first. */
    public List<String> argv() {
        return argv;
    }

    /** The file run instead of looking up {@code argv[0]}, or null. */
    public String executable() {
        return executable;
    }

    /** The child's whole environment (the parent's when none was given), in a fixed order. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The child's working directory, or null for the parent's. */
    public Path directory() {
        return directory;
    }

    /** The uid the child runs as, or -1 for unchanged. */
    public int uid() {
        return uid;
    }

    /** The gid the child runs as, or -1 for unchanged. */
    public int gid() {
        return gid;
    }

    /** The supplementary groups, or null when setgroups is not called. */
    public int[] groups() {
        return groups == null ? null : groups.clone();
    }

    /** The fd map, by child fd. */
    public Map<Integer, ChildFD> childFDs() {
        return childFDs;
    }

    /** Whether the child calls setsid(). */
    public boolean newSession() {
        return newSession;
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
                + (groups != null ? " groups=" + Arrays.toString(groups) : "") + (newSession ? " newSession" : "");
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
        // Which values were set explicitly: null or negative is an error only then.
        private boolean executableSet;
        private boolean environmentSet;
        private boolean directorySet;
        private boolean uidSet;
        private boolean gidSet;
        private boolean groupsSet;

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
        }

        private static Map<Integer, ChildFD> defaultMap() {
            Map<Integer, ChildFD> m = new HashMap<>();
            m.put(0, ChildFD.parentWrites());
            m.put(1, ChildFD.parentReads());
            m.put(2, ChildFD.parentReads());
            return m;
        }

        /** Runs this file instead of looking up {@code argv[0]}; {@code argv[0]} stays as given. */
        public Builder executable(String path) {
            this.executable = path;
            this.executableSet = true;
            return this;
        }


        /** The child's whole environment; default: the parent's, {@link System#getenv()}. */
        public Builder environment(Map<String, String> env) {
            this.environment = env == null ? null : new LinkedHashMap<>(env);
            this.environmentSet = true;
            return this;
        }

        /** The child's working directory; default: the parent's. */
        public Builder directory(Path dir) {
            this.directory = dir;
            this.directorySet = true;
            return this;
        }


        /** Runs the child as this user (needs privilege); default: unchanged. */
        public Builder uid(int uid) {
            this.uid = uid;
            this.uidSet = true;
            return this;
        }


        /** Runs the child with this group (needs privilege); default: unchanged. */
        public Builder gid(int gid) {
            this.gid = gid;
            this.gidSet = true;
            return this;
        }


        /** The supplementary groups (an empty list drops them all); default: unchanged. */
        public Builder groups(int... gids) {
            this.groups = gids == null ? null : gids.clone();
            this.groupsSet = true;
            return this;
        }


        /** Sets one entry of the fd map (which starts as the default map). */
        public Builder childFD(int childFD, ChildFD what) {
            if (childFDs == null) childFDs = new HashMap<>();
            childFDs.put(childFD, what);
            return this;
        }

        /** Replaces the whole fd map; an empty map leaves the child with no fds at all. */
        public Builder childFDs(Map<Integer, ChildFD> map) {
            this.childFDs = map == null ? null : new HashMap<>(map);
            return this;
        }

        /** Calls setsid() in the child, so it leads a new session and process group; default false. */
        public Builder newSession(boolean on) {
            this.newSession = on;
            return this;
        }

        /** Checks every value and builds the spec; IllegalArgumentException says what is wrong. */
        public ProcessSpec build() {
            if (argv == null) throw new IllegalArgumentException("argv must not be null");
            if (argv.isEmpty()) throw new IllegalArgumentException("argv must not be empty: argv[0] names the program");
            for (int i = 0; i < argv.size(); i++) {
                String a = argv.get(i);
                if (a == null) throw new IllegalArgumentException("argv[" + i + "] is null");
                noNul(a, "argv[" + i + "]");
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
            Map<String, String> checked = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : env.entrySet()) {
                String name = e.getKey();
                String value = e.getValue();
                if (name == null) throw new IllegalArgumentException("environment has a null name");
                if (value == null) throw new IllegalArgumentException("environment variable " + name + " is null");
                if (name.isEmpty()) throw new IllegalArgumentException("environment has an empty variable name");
                if (name.indexOf('=') >= 0) {
                    throw new IllegalArgumentException("environment variable name '" + name + "' contains '='");
                }
                noNul(name, "environment variable name " + printable(name));
                noNul(value, "environment variable " + name);
                checked.put(name, value);
            }
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
            return new ProcessSpec(this, Collections.unmodifiableMap(checked));
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
                && Arrays.equals(groups, s.groups) && childFDs.equals(s.childFDs) && newSession == s.newSession;
    }

    @Override
    public int hashCode() {
        return Objects.hash(argv, executable, directory, uid, gid, childFDs, newSession);
    }
}
