package dev.forkexec.bench;

/** Scenario 7, ProcessBuilder: a fresh JVM whose only work is to run {@code /bin/true} once. */
public final class ColdProcessBuilderMain {
    private ColdProcessBuilderMain() {}

    public static void main(String[] args) throws Exception {
        Process p = new ProcessBuilder("/bin/true").start();
        if (p.waitFor() != 0) System.exit(1);
    }
}
