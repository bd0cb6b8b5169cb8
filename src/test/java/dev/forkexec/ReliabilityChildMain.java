package dev.forkexec;

import dev.forkexec.testkit.ProcFs;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The main class of the child JVMs of {@link FdLimitsTest} and {@link JvmSignalsTest}: runs under a
 * lowered or raised fd limit, under strace, or with shutdown hooks, and prints {@code key=value}
 * lines on stdout. The first argument picks the mode. Only this JVM's classes and {@link ProcFs}:
 * the child's classpath holds no JUnit.
 */
public final class ReliabilityChildMain {
    /**
     * When this class was loaded, which is when the JVM started its main class. JDK 25's "VM Periodic
     * Task" thread reads {@code $JAVA_HOME/release} once, about 100 ms later (strace: in the first seconds
     * after main starts, the only fd the JVM opens on its own); {@link #warmUp()} waits it out.
     */
    private static final long LOADED_NANOS = System.nanoTime();
    /** Ten times the delay of that read: the fd-counting modes start measuring only after it. */
    private static final long QUIET_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private ReliabilityChildMain() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "emfile-loop":
                emfileLoop();
                break;
            case "emfile-slack":
                emfileSlack(Integer.parseInt(args[1]), ProcessSpec.command("true").build());
                break;
            case "emfile-slack-pty": // as emfile-slack, for a child on a terminal
                warmUpTerminal();
                emfileSlack(Integer.parseInt(args[1]), ProcessSpec.command("true").usePTY().build());
                break;
            case "spawn-count": // args[1]: the probe; spawns "probe count" with two maps, prints pids and exits
                spawnCount(args[1]);
                break;
            case "signals":
                signals();
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.flush();
    }

    /** The entries that differ between two fd tables, as {@code fd: before -> after}. */
    static String diff(Map<Integer, String> before, Map<Integer, String> after) {
        TreeSet<Integer> fds = new TreeSet<>(before.keySet());
        fds.addAll(after.keySet());
        StringBuilder out = new StringBuilder();
        for (int fd : fds) {
            String b = before.get(fd), a = after.get(fd);
            if (!Objects.equals(a, b)) out.append(fd).append(": ").append(b).append(" -> ").append(a).append("; ");
        }
        return out.toString();
    }

    /** How many fds below the limit are open (an inherited fd above it takes no slot). */
    private static int openCount(int limit) throws IOException {
        return (int) ProcFs.openFds().keySet().stream().filter(fd -> fd < limit).count();
    }

    /** Loads a terminal's classes (and reads its output) while fds are plentiful. */
    private static void warmUpTerminal() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").usePTY().build())) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64);
            while (p.channel(1).read(buf) >= 0) buf.clear();
            p.terminal().name();
            p.waitFor();
        }
    }

    /**
     * Loads the failure path's classes while fds are plentiful (class loading itself opens files), then
     * waits until the JVM's own one-time background read is over, so that every fd counted from here on
     * is one this class opened or the spawn under test did.
     */
    private static void warmUp() throws Exception {
        try {
            Subprocess.start(ProcessSpec.command("/no/such/forkexec-program").build()).close();
        } catch (SpawnException expected) {
            System.out.println("warmup=" + expected.step());
        }
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").build())) {
            p.waitFor();
        }
        ProcFs.zombieChildren();
        long quietIn = LOADED_NANOS + QUIET_AFTER_NANOS - System.nanoTime();
        if (quietIn > 0) TimeUnit.NANOSECONDS.sleep(quietIn);
    }

    /**
     * Under {@code ulimit -n 64}: starts {@code cat}s (each keeps 3 pipe ends and a pidfd) until a spawn
     * fails; that spawn must leave the fd table as it found it. Then closes the children and spawns again.
     */
    private static void emfileLoop() throws Exception {
        warmUp();
        System.out.println("limit=" + ProcFs.softFdLimit());
        ProcessSpec cat = ProcessSpec.command("cat").build();
        List<Subprocess> children = new ArrayList<>();
        for (;;) {
            Map<Integer, String> before = ProcFs.openFds();
            try {
                children.add(Subprocess.start(cat));
            } catch (SpawnException e) {
                Map<Integer, String> after = ProcFs.openFds();
                System.out.println("started=" + children.size());
                System.out.println("step=" + e.step());
                System.out.println("errno=" + e.errno());
                System.out.println("message=" + e.getMessage());
                System.out.println("fds-unchanged-by-failure=" + before.equals(after));
                if (!before.equals(after)) System.out.println("diff=" + diff(before, after));
                break;
            }
            if (children.size() > 1000) throw new IllegalStateException("no EMFILE after 1000 children: is the limit set?");
        }
        for (Subprocess p : children) p.close();
        System.out.println("zombies-after-close=" + ProcFs.zombieChildren().size());
        try (Subprocess p = Subprocess.start(cat)) {
            p.channel(0).close();
            System.out.println("again=" + p.waitFor());
        }
    }

    /**
     * For each number of free fds from {@code max} down to 0: fills the table with /dev/null up to that
     * slack, spawns {@code true} with the default map, and prints {@code slack.N=ok} or
     * {@code slack.N=<step>/<errno>/<message>}, then whether the attempt changed the fd table.
     */
    private static void emfileSlack(int max, ProcessSpec spec) throws Exception {
        warmUp();
        int limit = ProcFs.softFdLimit();
        System.out.println("limit=" + limit);
        for (int slack = max; slack >= 0; slack--) {
            List<FileInputStream> fillers = new ArrayList<>();
            try {
                // One listing (it needs a free fd itself), then exactly enough fillers.
                int free = limit - openCount(limit);
                while (free > slack) {
                    fillers.add(new FileInputStream("/dev/null"));
                    free--;
                }
                // With no fd free the table cannot be listed; slack 0 is checked for its result only.
                Map<Integer, String> before = slack > 0 ? ProcFs.openFds() : null;
                String result;
                try (Subprocess p = Subprocess.start(spec)) {
                    result = "ok " + p.waitFor();
                } catch (SpawnException e) {
                    result = e.step() + "/" + e.errno() + "/" + e.getMessage();
                }
                Map<Integer, String> after = slack > 0 ? ProcFs.openFds() : null;
                System.out.println("slack." + slack + "=" + result);
                System.out.println("unchanged." + slack + "=" + (before == null ? "unchecked" : before.equals(after)));
                if (before != null && !before.equals(after)) System.out.println("diff." + slack + "=" + diff(before, after));
            } finally {
                for (FileInputStream f : fillers) f.close();
            }
        }
        System.out.println("zombies=" + ProcFs.zombieChildren().size());
    }

    /** Spawns {@code probe count} with an empty map and with {4: 0, 9: 1}; prints each pid and exit code. */
    private static void spawnCount(String probe) throws Exception {
        System.out.println("limit=" + ProcFs.softFdLimit());
        System.out.println("parent-fds=" + ProcFs.openFds().size());
        Map<String, Map<Integer, ChildFD>> maps = Map.of("empty", Map.of(),
                "two", Map.of(4, ChildFD.inherit(0), 9, ChildFD.inherit(1)));
        for (String name : new String[] {"empty", "two"}) {
            try (Subprocess p = Subprocess.start(ProcessSpec.command(probe, "count").childFDs(maps.get(name)).build())) {
                ExitStatus s = p.waitFor();
                System.out.println(name + ".pid=" + p.pid());
                System.out.println(name + ".fds=" + s.exitCode());
            }
        }
    }

    /**
     * With a shutdown hook registered (and the JVM's own SIGINT/SIGTERM handlers), {@code sleep 100}
     * children die of SIGINT and SIGTERM; prints this JVM's caught-signal mask too.
     */
    private static void signals() throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { }, "reliability-hook"));
        System.out.println("jvm-sigcgt=" + ProcFs.status("SigCgt"));
        System.out.println("jvm-sigign=" + ProcFs.status("SigIgn"));
        ProcessSpec sleep = ProcessSpec.command("sleep", "100").childFDs(Map.of()).build();
        try (Reactor reactor = Reactor.create()) {
            for (String sig : new String[] {"INT", "TERM"}) {
                ChildProcess c = reactor.spawnProcess(new ProcessProtocol() {}, sleep);
                c.signalProcess(sig);
                CompletableFuture<ExitStatus> exit = c.onExit();
                System.out.println("reactor." + sig + "=" + exit.get(60, TimeUnit.SECONDS).signal());
            }
        }
        for (String sig : new String[] {"INT", "TERM"}) {
            try (Subprocess p = Subprocess.start(sleep)) {
                p.signal(sig);
                System.out.println("subprocess." + sig + "=" + p.waitFor().signal());
            }
        }
        Set<Long> zombies = ProcFs.zombieChildren();
        System.out.println("zombies=" + zombies.size());
    }
}
