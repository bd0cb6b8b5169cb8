package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.TestSupport.ProbeFd;
import dev.forkexec.testkit.ProcFs;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End-to-end property test of the fd map: random maps of 0 to 12 entries whose targets are drawn
 * from low fds, from the very parent fds the map reads (collisions, swaps, cycles, identities) and
 * from just below RLIMIT_NOFILE; the child ({@code fd_probe fds}) must hold exactly the map's fds,
 * each the same open file (st_dev + st_ino) as its source, none close-on-exec. 300 maps in
 * {@code make test}, 5,000 under {@code -Dforkexec.stress=true} ({@code -Dforkexec.fdMaps=N}); the
 * seed is printed and {@code -Dforkexec.seed=N} replays it. (src/test/c/fdplan_test.c checks the plan
 * itself in C; this checks what the kernel ends up with.)
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FdMapPropertyTest {
    private static final int MAX_ENTRIES = 12;
    private static final int HIGH_TARGETS = 12;

    private Path dir;
    private final List<AutoCloseable> held = new ArrayList<>();
    /** Parent fds the maps may inherit: pipes, files, and this JVM's 0, 1 and 2. */
    private final List<Integer> sources = new ArrayList<>();
    /** st_dev/st_ino of each source, taken before any spawn. */
    private final Map<Integer, long[]> identity = new HashMap<>();
    private int limit;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-fdprop-test");
        Map<Integer, ChildFD> pipeMap = new HashMap<>();
        for (int i = 0; i < 6; i++) pipeMap.put(i, i % 2 == 0 ? ChildFD.parentReads() : ChildFD.parentWrites());
        Subprocess pipes = TestSupport.pipes(pipeMap);
        held.add(pipes);
        for (int i = 0; i < 6; i++) sources.add(pipes.fd(i));
        for (int i = 0; i < 3; i++) {
            Path f = Files.writeString(dir.resolve("file" + i), "file " + i);
            held.add(FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE));
            sources.add(TestSupport.fdOf(f));
        }
        sources.addAll(List.of(0, 1, 2));
        for (int fd : sources) identity.put(fd, ProcFs.devIno(fd));
        limit = ProcFs.softFdLimit();
        assertTrue(limit > 64, "RLIMIT_NOFILE is " + limit);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : held) c.close();
        TestSupport.deleteTree(dir);
    }

    @Test
    void randomMapsGiveTheChildExactlyTheMappedOpenFiles() throws Exception {
        int maps = Scale.of("fdMaps", 300, 5_000);
        long seed = Scale.seed();
        System.out.println("FdMapPropertyTest: " + maps + " maps, RLIMIT_NOFILE " + limit + ", parent fds " + sources
                + ", " + Scale.replay(seed));
        Random r = new Random(seed);
        int[] sizes = new int[MAX_ENTRIES + 1];
        int collisions = 0;
        int high = 0;
        int shared = 0;
        for (int i = 0; i < maps; i++) {
            int size = r.nextInt(MAX_ENTRIES + 1);
            sizes[size]++;
            Map<Integer, ChildFD> map = randomMap(r, size);
            for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
                if (sources.contains(e.getKey()) && e.getValue().kind() == ChildFD.Kind.INHERIT) collisions++;
                if (e.getKey() >= limit - HIGH_TARGETS) high++;
                if (e.getValue().kind() == ChildFD.Kind.SAME_AS) shared++;
            }
            try {
                check(map);
            } catch (Throwable e) {
                throw new AssertionError("map " + i + " " + describe(map) + " failed; parent fds " + sources + "; "
                        + Scale.replay(seed), e);
            }
        }
        for (int fd : sources) {
            assertArrayEquals(identity.get(fd), ProcFs.devIno(fd), "the parent's fd " + fd + " changed");
        }
        Scale.report(maps + " random fd maps (sizes 0-" + MAX_ENTRIES + ": " + java.util.Arrays.toString(sizes)
                + "; " + collisions + " targets on a source fd, " + high + " targets within " + HIGH_TARGETS
                + " of RLIMIT_NOFILE " + limit + ", " + shared + " sameAs entries): every child fd matched by dev+inode");
    }

    /**
     * A map of {@code size} entries: part a permutation of some source fds among themselves (identities,
     * swaps, longer cycles), the rest random targets fed by random sources or new pipes; if non-empty, one
     * entry is a parentReads pipe the probe reports on. Some entries share an earlier one's open file
     * ({@code sameAs}, chains included).
     */
    private Map<Integer, ChildFD> randomMap(Random r, int size) {
        Map<Integer, ChildFD> map = new LinkedHashMap<>();
        if (size == 0) return map;
        map.put(-1, ChildFD.parentReads()); // placeholder for the report pipe, placed last
        int permuted = r.nextInt(Math.min(size - 1, sources.size()) + 1);
        List<Integer> picked = new ArrayList<>(sources);
        java.util.Collections.shuffle(picked, r);
        picked = picked.subList(0, permuted);
        List<Integer> images = new ArrayList<>(picked);
        java.util.Collections.shuffle(images, r);
        for (int j = 0; j < permuted; j++) map.put(picked.get(j), ChildFD.inherit(images.get(j)));
        while (map.size() < size) {
            int target = randomTarget(r);
            if (map.containsKey(target)) continue;
            int kind = r.nextInt(12);
            List<Integer> shareable = map.keySet().stream().filter(k -> k >= 0).toList();
            map.put(target, kind < 6 ? ChildFD.inherit(sources.get(r.nextInt(sources.size())))
                    : kind < 8 ? ChildFD.parentReads() : kind < 10 ? ChildFD.parentWrites()
                    : shareable.isEmpty() ? ChildFD.inherit(sources.get(r.nextInt(sources.size())))
                    : ChildFD.sameAs(shareable.get(r.nextInt(shareable.size()))));
        }
        map.remove(-1);
        int report;
        do {
            report = randomTarget(r);
        } while (map.containsKey(report));
        map.put(report, ChildFD.parentReads());
        return map;
    }

    /** Low fds, the sources' own numbers, or just below the limit. */
    private int randomTarget(Random r) {
        switch (r.nextInt(3)) {
            case 0: return r.nextInt(16);
            case 1: return sources.get(r.nextInt(sources.size()));
            default: return limit - 1 - r.nextInt(HIGH_TARGETS);
        }
    }

    private static String describe(Map<Integer, ChildFD> map) {
        Map<Integer, String> m = new TreeMap<>();
        map.forEach((k, v) -> m.put(k, v.kind() == ChildFD.Kind.INHERIT ? "inherit(" + v.parentFD() + ")" : v.toString()));
        return m.toString();
    }

    private void check(Map<Integer, ChildFD> map) throws Exception {
        if (map.isEmpty()) {
            try (Subprocess p = Subprocess.start(TestSupport.probe("count").childFDs(map).build())) {
                assertEquals(ExitStatus.exited(0), p.waitFor(), "fds open in a child with an empty map");
            }
            return;
        }
        int report = -1;
        for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
            if (e.getValue().kind() == ChildFD.Kind.PARENT_READS) report = e.getKey(); // any reader will do
        }
        try (Subprocess p = Subprocess.start(TestSupport.probe("--out=" + report, "fds").childFDs(map).build())) {
            Map<Integer, long[]> pipes = new HashMap<>();
            for (int fd : p.channels().keySet()) pipes.put(fd, ProcFs.devIno(p.fd(fd)));
            for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
                if (e.getValue().kind() == ChildFD.Kind.PARENT_WRITES) p.channel(e.getKey()).close();
            }
            String out = TestSupport.readString(p.channel(report));
            assertEquals(ExitStatus.exited(0), p.waitFor(), out);
            Map<Integer, ProbeFd> child = TestSupport.parseFds(out);
            assertEquals(map.keySet(), child.keySet(), "the child's fds");
            for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
                ChildFD what = e.getValue();
                int owner = e.getKey();
                while (map.get(owner).kind() == ChildFD.Kind.SAME_AS) owner = map.get(owner).sameAsFD();
                ChildFD source = map.get(owner);
                long[] expected = source.kind() == ChildFD.Kind.INHERIT ? identity.get(source.parentFD()) : pipes.get(owner);
                ProbeFd got = child.get(e.getKey());
                String where = "child fd " + e.getKey() + " <- " + what;
                assertEquals(expected[0], got.dev(), where + ": st_dev");
                assertEquals(expected[1], got.ino(), where + ": st_ino");
                assertFalse(got.cloexec(), where + ": close-on-exec");
            }
        }
    }
}
