package dev.forkexec.internal;

import dev.forkexec.ChildFD;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ResourceLimit;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ProcessSpec} in the form {@code spawn_jni.c} reads (see {@link NativeSpawn}): encoded once
 * per spec and reused for every spawn of it. Immutable.
 */
public final class SpawnRequest {
    private final byte[] strings;
    private final int[] header;
    private final int[] fds;
    private final int[] groups;
    private final long[] limits;
    private final List<String> candidates;
    private final boolean parentDeathSignal;

    private SpawnRequest(ProcessSpec spec) {
        String program = spec.executable() != null ? spec.executable() : spec.argv().get(0);
        Map<String, String> env = spec.environment();
        this.candidates = ProgramLookup.candidates(program, env.get("PATH"));
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        for (String a : spec.argv()) cString(out, a);
        for (Map.Entry<String, String> e : env.entrySet()) out.writeBytes(EnvEntries.encoded(e.getKey(), e.getValue()));
        for (String c : candidates) cString(out, c);
        if (spec.directory() != null) cString(out, spec.directory().toString());
        if (spec.cgroup() != null) cString(out, spec.cgroup().toString());

        Map<Integer, ChildFD> map = spec.childFDs();
        List<Integer> order = new ArrayList<>(map.keySet()); // ascending: the map is sorted
        this.fds = new int[map.size() * NativeSpawn.FD_ENTRY_SIZE];
        int i = 0;
        for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
            ChildFD what = e.getValue();
            fds[i] = e.getKey();
            fds[i + 1] = kind(what);
            fds[i + 2] = what.kind() == ChildFD.Kind.INHERIT ? what.parentFD()
                    : what.kind() == ChildFD.Kind.SAME_AS ? order.indexOf(root(map, e.getKey())) : -1;
            if (what.path() != null) cString(out, what.path().toString());
            i += NativeSpawn.FD_ENTRY_SIZE;
        }
        this.strings = out.toByteArray();

        Map<ResourceLimit, ResourceLimit.Setting> rlimits = spec.rlimits();
        this.limits = new long[rlimits.size() * NativeSpawn.LIMIT_ENTRY_SIZE];
        int j = 0;
        for (Map.Entry<ResourceLimit, ResourceLimit.Setting> e : rlimits.entrySet()) {
            limits[j] = limitCode(e.getKey());
            limits[j + 1] = rlim(e.getValue().soft());
            limits[j + 2] = rlim(e.getValue().hard());
            j += NativeSpawn.LIMIT_ENTRY_SIZE;
        }
        int[] g = spec.groups();
        this.groups = g != null ? g : new int[0];
        // A terminal needs the child to lead a new session, which makes it lead its own group too.
        boolean newSession = spec.newSession() || spec.usesPTY();
        boolean setPgid = spec.processGroup().isPresent() && !(newSession && spec.processGroup().getAsInt() == 0);
        this.header = new int[NativeSpawn.H_SIZE];
        header[NativeSpawn.H_ARGC] = spec.argv().size();
        header[NativeSpawn.H_ENVC] = env.size();
        header[NativeSpawn.H_PATHC] = candidates.size();
        header[NativeSpawn.H_FLAGS] = (newSession ? NativeSpawn.FLAG_NEW_SESSION : 0)
                | (spec.uid() >= 0 ? NativeSpawn.FLAG_SET_UID : 0)
                | (spec.gid() >= 0 ? NativeSpawn.FLAG_SET_GID : 0)
                | (g != null ? NativeSpawn.FLAG_SET_GROUPS : 0)
                | (spec.directory() != null ? NativeSpawn.FLAG_HAS_DIR : 0)
                | (spec.cgroup() != null ? NativeSpawn.FLAG_HAS_CGROUP : 0)
                | (setPgid ? NativeSpawn.FLAG_SET_PGID : 0)
                | (spec.niceness().isPresent() ? NativeSpawn.FLAG_SET_NICE : 0)
                | (spec.umask().isPresent() ? NativeSpawn.FLAG_SET_UMASK : 0)
                | (spec.noNewPrivileges() ? NativeSpawn.FLAG_NO_NEW_PRIVS : 0);
        header[NativeSpawn.H_UID] = spec.uid();
        header[NativeSpawn.H_GID] = spec.gid();
        header[NativeSpawn.H_PGID] = spec.processGroup().orElse(0);
        header[NativeSpawn.H_NICE] = spec.niceness().orElse(0);
        header[NativeSpawn.H_UMASK] = spec.umask().orElse(0);
        header[NativeSpawn.H_PDEATHSIG] = spec.parentDeathSignal();
        header[NativeSpawn.H_PTY_COLUMNS] = spec.terminalColumns();
        header[NativeSpawn.H_PTY_ROWS] = spec.terminalRows();
        header[NativeSpawn.H_PTY_MODE] = (spec.terminalEcho() ? 0 : NativeSpawn.PTY_NO_ECHO)
                | (spec.terminalRaw() ? NativeSpawn.PTY_RAW : 0);
        this.parentDeathSignal = spec.parentDeathSignal() > 0;
    }

    /** The child fd a sameAs chain ends at (build() rejected loops and dangling names). */
    private static int root(Map<Integer, ChildFD> map, int fd) {
        ChildFD what = map.get(fd);
        while (what.kind() == ChildFD.Kind.SAME_AS) {
            fd = what.sameAsFD();
            what = map.get(fd);
        }
        return fd;
    }

    /** Long.MAX_VALUE is RLIM_INFINITY, all ones as the kernel's unsigned 64 bits. */
    private static long rlim(long v) {
        return v == ResourceLimit.UNLIMITED ? -1L : v;
    }

    private static int limitCode(ResourceLimit which) {
        switch (which) {
            case AS: return NativeSpawn.LIMIT_AS;
            case CORE: return NativeSpawn.LIMIT_CORE;
            case CPU: return NativeSpawn.LIMIT_CPU;
            case DATA: return NativeSpawn.LIMIT_DATA;
            case FSIZE: return NativeSpawn.LIMIT_FSIZE;
            case MEMLOCK: return NativeSpawn.LIMIT_MEMLOCK;
            case NOFILE: return NativeSpawn.LIMIT_NOFILE;
            case NPROC: return NativeSpawn.LIMIT_NPROC;
            case STACK: return NativeSpawn.LIMIT_STACK;
            default: throw new IllegalStateException("no native code for " + which);
        }
    }

    /** Encodes a spec; its values were validated by {@link ProcessSpec.Builder#build()}. */
    public static SpawnRequest of(ProcessSpec spec) {
        return new SpawnRequest(spec);
    }

    /** Starts a child; the result says how it went (nothing is thrown for a failed step). */
    public SpawnResult spawn(boolean nonBlocking) {
        int[] h = header;
        if (nonBlocking) {
            h = header.clone();
            h[NativeSpawn.H_FLAGS] |= NativeSpawn.FLAG_NONBLOCKING;
        }
        return new SpawnResult(this, NativeSpawn.spawn(strings, h, fds, groups, limits));
    }

    /** Whether the child asks for a parent-death signal (so it must come from a long-lived thread). */
    public boolean parentDeathSignal() {
        return parentDeathSignal;
    }

    /** The resource limit of entry {@code index} of the limits, in the spec's order. */
    public ResourceLimit limit(int index) {
        int code = (int) limits[index * NativeSpawn.LIMIT_ENTRY_SIZE];
        for (ResourceLimit r : ResourceLimit.values()) {
            if (limitCode(r) == code) return r;
        }
        throw new IllegalStateException("no resource limit has code " + code);
    }

    /** The files the child tries to execve, in order. */
    public List<String> candidates() {
        return candidates;
    }

    /** How many entries the fd map has. */
    public int fdCount() {
        return fds.length / NativeSpawn.FD_ENTRY_SIZE;
    }

    /** The child fd of map entry {@code index} (entries are in ascending child-fd order). */
    public int childFd(int index) {
        return fds[index * NativeSpawn.FD_ENTRY_SIZE];
    }

    /** Whether map entry {@code index} is a pipe the parent reads. */
    public boolean parentReads(int index) {
        return fds[index * NativeSpawn.FD_ENTRY_SIZE + 1] == NativeSpawn.FD_PARENT_READS;
    }

    private static int kind(ChildFD what) {
        switch (what.kind()) {
            case PARENT_READS: return NativeSpawn.FD_PARENT_READS;
            case PARENT_WRITES: return NativeSpawn.FD_PARENT_WRITES;
            case INHERIT: return NativeSpawn.FD_INHERIT;
            case READ_FROM: return NativeSpawn.FD_READ_FROM;
            case WRITE_TO: return NativeSpawn.FD_WRITE_TO;
            case APPEND_TO: return NativeSpawn.FD_APPEND_TO;
            case DEV_NULL: return NativeSpawn.FD_DEV_NULL;
            case SAME_AS: return NativeSpawn.FD_SAME_AS;
            case TERMINAL: return NativeSpawn.FD_PTY_SLAVE;
            default: throw new IllegalStateException("no native encoding for " + what);
        }
    }

    /**
     * "NAME=value\0" of the environment's entries, kept by name: a job runner's children get the same
     * environment (the same String objects) plus a variable or two, so each spawn would encode the
     * same few kilobytes again. At most {@link #MAX} names are kept; the cache then starts afresh.
     */
    private static final class EnvEntries {
        static final int MAX = 4096;
        /** Per name, the value last encoded and its entry; matched by identity, so a stale one is never reused. */
        private static final ConcurrentHashMap<String, Kept> BY_NAME = new ConcurrentHashMap<>();

        private record Kept(String value, byte[] entry) {}

        static byte[] encoded(String name, String value) {
            Kept kept = BY_NAME.get(name);
            if (kept != null && kept.value() == value) return kept.entry();
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            byte[] entry = new byte[n.length + 1 + v.length + 1];
            System.arraycopy(n, 0, entry, 0, n.length);
            entry[n.length] = '=';
            System.arraycopy(v, 0, entry, n.length + 1, v.length);
            if (BY_NAME.size() >= MAX) BY_NAME.clear();
            BY_NAME.put(name, new Kept(value, entry));
            return entry;
        }
    }

    private static void cString(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }
}
