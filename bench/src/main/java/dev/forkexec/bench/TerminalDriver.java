package dev.forkexec.bench;

/**
 * One pseudo-terminal implementation under test ({@link TerminalBench}), driven the way its own
 * documentation suggests. Every method checks that the child did its work (exit 0, every byte
 * moved), so a fast wrong answer never counts; timings are taken inside, around the work described.
 */
interface TerminalDriver extends AutoCloseable {
    /** Bytes per write/read call. */
    int CHUNK = 64 * 1024;

    /** The shell script of the write scenario: raw mode, READY, swallow {@code $1} bytes, DONE. */
    String SINK = "stty raw -echo; echo READY; head -c \"$1\" >/dev/null; echo DONE";

    /** Spawn {@code /bin/true} on a new 80x24 terminal, read the terminal to its end, reap; ns. */
    long spawnTrue() throws Exception;

    /** {@code head -c bytes /dev/zero} on a raw terminal, read to the end; ns from spawn to the end. */
    long read(long bytes) throws Exception;

    /** {@link #SINK} on a terminal: ns from READY to DONE while {@code bytes} are typed into it. */
    long write(long bytes) throws Exception;

    /**
     * Starts {@code n} {@code cat}s on terminals, returns how many threads this JVM has while they
     * all run, then ends them.
     */
    long threadsWith(int n) throws Exception;

    @Override
    default void close() {}

    static void checkExit(int code, String what) {
        if (code != 0) throw new IllegalStateException(what + " exited with " + code);
    }

    static void checkBytes(long got, long want, String what) {
        if (got != want) throw new IllegalStateException(what + " moved " + got + " bytes, expected " + want);
    }
}
