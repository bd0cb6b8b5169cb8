package dev.forkexec.bench;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JetBrains' pty4j as its README shows it: PtyProcessBuilder, the process's streams read with
 * read(byte[]) (never the single-byte read(), which returns 0xFF as -1), waitFor. It has no raw-mode
 * option, so the children set raw mode themselves with {@code stty raw -echo}.
 *
 * <p>pty4j sets the window size from the parent after the fork, so a child may start on a 0x0
 * terminal; forkexec sets it before the clone.
 */
final class Pty4jTerminalDriver implements TerminalDriver {
    private final Map<String, String> env = System.getenv();
    private final byte[] buf = new byte[CHUNK];

    private PtyProcess start(String... cmd) throws Exception {
        return new PtyProcessBuilder(cmd).setEnvironment(env).setInitialColumns(80).setInitialRows(24)
                .setConsole(false).start();
    }

    /**
     * Waits, then closes the streams (they hold the master). The untimed waitFor: pty4j overrides it
     * (its reaper thread reports the exit), while the timed one is Process's default, which polls
     * every 100 ms.
     */
    private int finish(PtyProcess p) throws Exception {
        int code = p.waitFor();
        p.getInputStream().close();
        p.getOutputStream().close();
        p.getErrorStream().close();
        return code;
    }

    private long drain(InputStream in) throws Exception {
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0;) total += n;
        return total;
    }

    @Override
    public long spawnTrue() throws Exception {
        long t0 = System.nanoTime();
        PtyProcess p = start("/bin/true");
        drain(p.getInputStream());
        int code = finish(p);
        long t = System.nanoTime() - t0;
        TerminalDriver.checkExit(code, "/bin/true");
        return t;
    }

    @Override
    public long read(long bytes) throws Exception {
        long t0 = System.nanoTime();
        PtyProcess p = start("sh", "-c", "stty raw -echo; exec head -c " + bytes + " /dev/zero");
        long got = drain(p.getInputStream());
        int code = finish(p);
        long t = System.nanoTime() - t0;
        TerminalDriver.checkExit(code, "head");
        TerminalDriver.checkBytes(got, bytes, "head -c on a terminal");
        return t;
    }

    private boolean readUntil(InputStream in, String word, StringBuilder seen) throws Exception {
        while (seen.indexOf(word) < 0) {
            int n = in.read(buf);
            if (n < 0) return false;
            seen.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        }
        return true;
    }

    @Override
    public long write(long bytes) throws Exception {
        PtyProcess p = start("sh", "-c", SINK, "sink", Long.toString(bytes));
        InputStream in = p.getInputStream();
        OutputStream out = p.getOutputStream();
        StringBuilder seen = new StringBuilder();
        if (!readUntil(in, "READY", seen)) throw new IllegalStateException("no READY");
        byte[] zeros = new byte[CHUNK];
        long t0 = System.nanoTime();
        for (long left = bytes; left > 0;) {
            int n = (int) Math.min(left, CHUNK);
            out.write(zeros, 0, n);
            left -= n;
        }
        out.flush();
        if (!readUntil(in, "DONE", seen)) throw new IllegalStateException("no DONE");
        long t = System.nanoTime() - t0;
        drain(in);
        TerminalDriver.checkExit(finish(p), "the sink");
        return t;
    }

    @Override
    public long threadsWith(int n) throws Exception {
        List<PtyProcess> cats = new ArrayList<>();
        for (int i = 0; i < n; i++) cats.add(start("cat"));
        long threads = ProcSelf.status("Threads");
        for (PtyProcess p : cats) {
            p.getOutputStream().write(4); // ^D at the start of a line: cat ends
            p.getOutputStream().flush();
        }
        for (PtyProcess p : cats) {
            drain(p.getInputStream());
            TerminalDriver.checkExit(finish(p), "cat");
        }
        return threads;
    }
}
