package dev.forkexec.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scenario 6 in a fresh JVM (so its peak RSS and thread count are its own): a warm-up fan-out,
 * then the measured one while a sampler thread reads /proc/self/status every millisecond.
 *
 * <p>{@code FanoutMain IMPL CHILDREN CONCURRENCY BYTES WARM_CHILDREN} prints one line:
 * {@code ok WALL_NS PEAK_THREADS LIBRARY_THREADS PEAK_RSS_KIB BASE_THREADS CPU_NS NAMES}, where
 * LIBRARY_THREADS counts the threads at the peak that are neither the JVM's own (GC, JIT, ...) nor
 * this harness's, and NAMES summarises them ("forkexec-reactor-1x1;...").
 */
public final class FanoutMain {
    private FanoutMain() {}

    private static volatile boolean sampling = true;
    private static volatile boolean armed;
    private static volatile long peakThreads;
    private static volatile List<String> namesAtPeak = List.of();

    public static void main(String[] args) throws Exception {
        String impl = args[0];
        int children = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        int bytes = Integer.parseInt(args[3]);
        int warm = Integer.parseInt(args[4]);
        byte[] data = new byte[bytes];
        for (int i = 0; i < bytes; i++) data[i] = (byte) (i * 31 + 7);

        try (Driver d = Driver.create(impl)) {
            d.fanout(warm, Math.min(concurrency, 16), data); // JIT, class loading, the library's threads
            System.gc();
            Thread sampler = new Thread(FanoutMain::sample, "bench-sampler");
            sampler.setDaemon(true);
            sampler.start();
            Thread.sleep(10);
            long baseThreads = ProcSelf.status("Threads");
            namesAtPeak = ProcSelf.threadNames(); // the library's threads may all predate the run
            peakThreads = baseThreads;
            boolean reset = ProcSelf.resetPeakRss();
            armed = true;
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            d.fanout(children, concurrency, data);
            long wall = System.nanoTime() - t0;
            long cpu = os.getProcessCpuTime() - cpu0;
            sampling = false;
            sampler.join();
            long hwm = reset ? ProcSelf.status("VmHWM") : -1;
            // The names come from the last snapshot at (or, rate-limited, shortly before) the peak: the
            // library's share is the peak less the JVM's and the harness's threads in that snapshot.
            Map<String, Integer> lib = new TreeMap<>();
            int jvmCount = 0;
            for (String n : namesAtPeak) {
                if (ProcSelf.isJvmOrHarness(n)) {
                    jvmCount++;
                } else {
                    String kind = n.startsWith("forkexec-reacto") ? "forkexec-reactor" : n.replaceAll("[-_ ]?\\d+$", "");
                    lib.merge(kind.replace(' ', '_'), 1, Integer::sum);
                }
            }
            long libCount = peakThreads - jvmCount;
            List<String> parts = new ArrayList<>();
            lib.forEach((k, v) -> parts.add(k + "x" + v));
            System.out.println("ok " + wall + " " + peakThreads + " " + libCount + " " + hwm + " " + baseThreads + " " + cpu + " "
                    + (parts.isEmpty() ? "-" : String.join(";", parts)));
        }
        System.exit(0); // NuProcess's and the pool's threads linger otherwise
    }

    /** Every 1 ms: the thread count; names again whenever a new peak is seen (at most every 20 ms). */
    private static void sample() {
        long lastNames = 0;
        while (sampling) {
            long t = ProcSelf.status("Threads");
            if (armed && t > peakThreads) {
                peakThreads = t;
                long now = System.nanoTime();
                if (now - lastNames > 20_000_000L) {
                    namesAtPeak = ProcSelf.threadNames();
                    lastNames = System.nanoTime();
                }
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
