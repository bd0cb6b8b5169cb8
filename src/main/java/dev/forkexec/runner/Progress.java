package dev.forkexec.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code --bar} and {@code --eta}: a status line on stderr, redrawn at most every 100 ms while jobs
 * run and once at the end, shown only when stderr is a terminal (else nothing, so logs stay clean).
 * The bar is GNU parallel's visible bar ({@code 42% 420:580=1m3s <inputs>}, the done part in
 * reverse video across the terminal's width, {@code $COLUMNS} or 80) without its zenity lines; the
 * ETA line is {@code ETA: 63s Left: 580 AVG: 0.11s  local:8/420/100%/0.1s}. Both need the number of
 * jobs, so with either the runner reads all inputs before starting (memory: the inputs).
 *
 * <p>Not thread-safe: reactor thread only.
 */
final class Progress {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final Sink sink;
    private final boolean bar;
    private final boolean eta;
    private final int width;
    private final long startNanos;
    private long total = -1;
    private long lastDraw;
    private String lastArgs = "";

    Progress(Sink sink, boolean bar, boolean eta, int width, long startNanos) {
        this.sink = sink;
        this.bar = bar;
        this.eta = eta;
        this.width = width;
        this.startNanos = startNanos;
    }

    /** Whether stderr is a terminal: fd 2 is a tty or pty device. */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The terminal's width: {@code $COLUMNS}, else 80. */
    static int terminalWidth() {
        String c = System.getenv("COLUMNS");
        if (c != null && c.matches("\\d{1,4}") && Integer.parseInt(c) >= 20) return Integer.parseInt(c);
        return 80;
    }

    /** The number of jobs this run will finish, once known. */
    void total(long n) {
        total = n;
    }

    /** A job started with these inputs (shown at the end of the bar). */
    void started(String[] args) {
        lastArgs = String.join(" ", args);
    }

    /** Redraws if the last drawing is old enough (or {@code force}). */
    void update(long done, long running, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        sink.status(line(done, running, now));
    }

    /** The final drawing, left on the screen with a newline. */
    void finish(long done) {
        sink.status(line(done, 0, System.nanoTime()));
        sink.endStatus();
    }

    String line(long done, long running, long now) {
        double elapsed = (now - startNanos) / 1e9;
        long left = total < 0 ? -1 : Math.max(0, total - done);
        double avg = done > 0 ? elapsed / done : 0;
        long etaSeconds = left < 0 || done == 0 ? 0 : Math.round(left * avg);
        if (bar) {
            double pct = total > 0 ? Math.min(1.0, (double) done / total) : (total == 0 ? 1.0 : 0);
            String s = String.format(Locale.ROOT, "%d%% %d:%s=%s %s", (int) (pct * 100), done,
                    left < 0 ? "?" : Long.toString(left), dhms(etaSeconds), lastArgs);
            s = fit(s, width - 1);
            int split = (int) ((width - 1) * pct);
            return "\033[7m" + s.substring(0, split) + "\033[0m" + s.substring(split);
        }
        String s = String.format(Locale.ROOT, "ETA: %ds Left: %s AVG: %.2fs  local:%d/%d/%d%%/%.1fs", etaSeconds,
                left < 0 ? "?" : Long.toString(left), avg, running, done, 100, avg);
        return fit(s, width - 1);
    }

    /** GNU parallel's {@code 2m3s} form. */
    static String dhms(long seconds) {
        StringBuilder b = new StringBuilder();
        long d = seconds / 86400;
        long h = seconds / 3600 % 24;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        if (d > 0) b.append(d).append('d');
        if (h > 0) b.append(h).append('h');
        if (m > 0) b.append(m).append('m');
        if (s > 0 || b.length() == 0) b.append(s).append('s');
        return b.toString();
    }

    private static String fit(String s, int w) {
        if (s.length() > w) return s.substring(0, w);
        StringBuilder b = new StringBuilder(w).append(s);
        while (b.length() < w) b.append(' ');
        return b.toString();
    }

    /** Whether the bar or the ETA line was asked for. */
    boolean wanted() {
        return bar || eta;
    }
}
