package dev.forkexec.internal;

import dev.forkexec.ChildFD;
import dev.forkexec.ProcessSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A {@link ProcessSpec} in the form {@code spawn_jni.c} reads (see {@link NativeSpawn}): encoded once
 * per spec and reused for every spawn of it. Immutable.
 */
public final class SpawnRequest {
    private final byte[] strings;
    private final int[] header;
    private final int[] fds;
    private final int[] groups;
    private final List<String> candidates;

    private SpawnRequest(ProcessSpec spec) {
        String program = spec.executable() != null ? spec.executable() : spec.argv().get(0);
        Map<String, String> env = spec.environment();
        this.candidates = ProgramLookup.candidates(program, env.get("PATH"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String a : spec.argv()) cString(out, a);
        for (Map.Entry<String, String> e : env.entrySet()) cString(out, e.getKey() + "=" + e.getValue());
        for (String c : candidates) cString(out, c);
        if (spec.directory() != null) cString(out, spec.directory().toString());
        this.strings = out.toByteArray();

        Map<Integer, ChildFD> map = spec.childFDs();
        this.fds = new int[map.size() * NativeSpawn.FD_ENTRY_SIZE];
        int i = 0;
        for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
            ChildFD what = e.getValue();
            fds[i] = e.getKey();
            fds[i + 1] = kind(what);
            fds[i + 2] = what.kind() == ChildFD.Kind.INHERIT ? what.parentFD() : -1;
            i += NativeSpawn.FD_ENTRY_SIZE;
        }
        int[] g = spec.groups();
        this.groups = g != null ? g : new int[0];
        this.header = new int[NativeSpawn.H_SIZE];
        header[NativeSpawn.H_ARGC] = spec.argv().size();
        header[NativeSpawn.H_ENVC] = env.size();
        header[NativeSpawn.H_PATHC] = candidates.size();
        header[NativeSpawn.H_HAS_DIR] = spec.directory() != null ? 1 : 0;
        header[NativeSpawn.H_FLAGS] = (spec.newSession() ? NativeSpawn.FLAG_NEW_SESSION : 0)
                | (spec.uid() >= 0 ? NativeSpawn.FLAG_SET_UID : 0)
                | (spec.gid() >= 0 ? NativeSpawn.FLAG_SET_GID : 0)
                | (g != null ? NativeSpawn.FLAG_SET_GROUPS : 0);
        header[NativeSpawn.H_UID] = spec.uid();
        header[NativeSpawn.H_GID] = spec.gid();
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
        return new SpawnResult(this, NativeSpawn.spawn(strings, h, fds, groups));
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
            default: throw new IllegalStateException("no native encoding for " + what);
        }
    }

    private static void cString(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }
}
