package dev.forkexec.bench;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A measuring JVM. The orchestrator ({@link Bench}) starts one per configuration (small heap,
 * VFORK, 8 GiB heap, ...) and keeps it for the whole phase, sending one command per line on stdin;
 * each answer is one line on stdout: {@code ok <values>} or {@code err <message>}. Everything else
 * the JVM prints goes to stderr, so the protocol stays clean.
 *
 * <pre>
 *   s1 IMPL N BUDGET_MS        -> ok NS_PER_SPAWN   (N spawns, fewer once BUDGET_MS is spent)
 *   s2 IMPL N BUDGET_MS        -> ok NS_PER_SPAWN
 *   s4 IMPL N BUDGET_MS STAMP  -> ok NS,NS,...      (one sample per child)
 *   s5r IMPL BYTES       -> ok NS
 *   s5w IMPL BYTES SINK  -> ok NS
 *   info                 -> ok key=value ... (forkexecJar: the jar forkexec's classes came from;
 *                           forkexec=...: the spawn mechanism, last because it may hold spaces)
 *   quit
 * </pre>
 */
public final class Worker {
    private Worker() {}

    public static void main(String[] args) throws Exception {
        PrintStream reply = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        Map<String, Driver> drivers = new HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        reply.println("ok ready");
        for (String line; (line = in.readLine()) != null;) {
            String[] a = line.trim().split("\\s+");
            if (a[0].equals("quit")) break;
            try {
                reply.println("ok " + run(a, drivers));
            } catch (Throwable e) {
                e.printStackTrace();
                reply.println("err " + String.valueOf(e).replace('\n', ' '));
            }
        }
        for (Driver d : drivers.values()) d.close();
    }

    /** A batch stops early after this many children once its time budget is spent. */
    static final int MIN_BATCH = 10;

    private static String run(String[] a, Map<String, Driver> drivers) throws Exception {
        if (a[0].equals("info")) {
            return "heapMaxMiB=" + Runtime.getRuntime().maxMemory() / (1 << 20) + " rssKiB=" + ProcSelf.status("VmRSS")
                    + " launchMechanism=" + System.getProperty("jdk.lang.Process.launchMechanism", "default")
                    + " forkexecJar=" + dev.forkexec.Subprocess.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                    + " forkexec=" + dev.forkexec.Subprocess.spawnMechanism();
        }
        Driver d = drivers.computeIfAbsent(a[1], Driver::create);
        switch (a[0]) {
            case "s1":
            case "s2":
                return Long.toString(d.spawnBatch(a[0].equals("s2"), Integer.parseInt(a[2]), MIN_BATCH,
                        Long.parseLong(a[3]) * 1_000_000L));
            case "s4": {
                int n = Integer.parseInt(a[2]);
                long budget = Long.parseLong(a[3]) * 1_000_000L;
                StringJoiner j = new StringJoiner(",");
                long t0 = System.nanoTime();
                for (int i = 0; i < n && (i < MIN_BATCH || System.nanoTime() - t0 < budget); i++) {
                    j.add(Long.toString(d.exitLatency(a[4])));
                }
                return j.toString();
            }
            case "s5r": return Long.toString(d.readFromChild(Long.parseLong(a[2])));
            case "s5w": return Long.toString(d.writeToChild(Long.parseLong(a[2]), a[3]));
            default: throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }
}
