package dev.forkexec.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What /proc says about this JVM: thread count, RSS and its high-water mark, thread names. */
final class ProcSelf {
    private ProcSelf() {}

    /** One field of /proc/self/status as a number (kB for the Vm* fields), or -1. */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    String v = line.substring(field.length() + 1).trim();
                    int sp = v.indexOf(' ');
                    return Long.parseLong(sp < 0 ? v : v.substring(0, sp));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+: write "5" to clear_refs); false if refused. */
    static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The name (comm, 15 chars at most) of every thread of this process. */
    static List<String> threadNames() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    names.add(Files.readString(t.resolve("comm")).trim());
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return names;
        }
        return names;
    }

    /** Threads the JVM runs for itself (GC, JIT, VM, finalizer...) or the benchmark's own main/sampler. */
    static boolean isJvmOrHarness(String name) {
        String[] prefixes = {"java", "main", "VM ", "GC ", "G1 ", "C1 ", "C2 ", "Reference Handl", "Finalizer",
                "Signal Dispatch", "Service Thread", "Monitor Deflati", "Common-Cleaner", "Notification Th",
                "Sweeper", "Attach Listener", "VM Periodic", "bench-"};
        for (String p : prefixes) {
            if (name.startsWith(p)) return true;
        }
        return false;
    }

    /** The machine's load averages, as in /proc/loadavg ("0.41 0.52 0.60"). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** "123456 kB" -> 123456. */
    static long parseKiB(String field) {
        try {
            return Long.parseLong(field.trim().split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
