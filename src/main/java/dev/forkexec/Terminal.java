package dev.forkexec;

import dev.forkexec.internal.NativeNames;
import dev.forkexec.internal.NativePidfd;
import dev.forkexec.internal.NativePty;
import dev.forkexec.internal.Signals;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The pseudo-terminal of a child started with {@link ProcessSpec.Builder#usePTY()}, seen from its
 * master side: window size, echo and raw mode, the control characters and the foreground process
 * group. Reach it with {@link ChildProcess#terminal()} or {@link Subprocess#terminal()}; what the
 * terminal shows and what is typed into it go through the transport ({@code outReceived},
 * {@code write}) or the Subprocess's channel.
 *
 * <pre>{@code
 * Terminal t = child.terminal();
 * t.resize(132, 50);                       // the foreground group gets SIGWINCH
 * t.foregroundProcessName();               // Optional[vim]: what a terminal UI shows as running
 * t.sendInterrupt();                       // types ^C (the terminal's VINTR): SIGINT to the foreground group
 * t.setEcho(false);                        // before typing a password
 * }</pre>
 *
 * <p>Settings act on the terminal itself (a TCSETS on the master changes the slave's termios), so
 * the child sees them at once; a program that set its own modes (a shell's line editor, an editor)
 * may set them back. {@link #sendInterrupt()}, {@link #sendEof()} and {@link #sendSuspend()} type the
 * character the terminal has now, read at the moment of the call (as {@code stty -a} shows it), not a
 * fixed ^C or ^D; through a reactor they queue behind what was written before. A character only has
 * its effect in the matching mode: VINTR and VSUSP need ISIG, VEOF needs canonical mode (ICANON) and
 * ends input only at the start of a line (after a partial line it hands that line over without its
 * newline); in raw mode each is an ordinary byte.
 *
 * <p>Every method is thread-safe. Once the terminal is closed (the master was closed: the child
 * ended and the reactor released it, {@code loseConnection}, or {@link Subprocess#close()}), every
 * method but {@link #name()} and {@link #isOpen()} throws {@link IllegalStateException}; so does
 * one whose system call fails, with the error.
 */
public final class Terminal {
    /** Types bytes into the terminal: through the reactor's write queue, or a blocking write. */
    interface Typist {
        void type(ByteBuffer bytes);
    }

    private final Object lock = new Object();
    /** The master, or a dup of it; ours to use only while !closed, under the lock. */
    private final int fd;
    private final String name;
    private final Supplier<String> owner;
    private final Typist typist;
    private boolean closed; // guarded by lock

    Terminal(int fd, Supplier<String> owner, Typist typist) {
        this.fd = fd;
        this.owner = owner;
        this.typist = typist;
        int n = NativePty.number(fd);
        this.name = n >= 0 ? "/dev/pts/" + n : "(a pseudo-terminal)";
    }

    /** {@return the slave's path, {@code /dev/pts/N}: what {@code tty} prints in the child} */
    public String name() {
        return name;
    }

    /** {@return whether the master is still open here (false once the terminal was released)} */
    public boolean isOpen() {
        synchronized (lock) {
            return !closed;
        }
    }

    // ------------------------------------------------------------------ size

    /**
     * Sets the window size ({@code TIOCSWINSZ}); when it changes, the kernel sends SIGWINCH to the
     * terminal's foreground process group, which is how full-screen programs learn it. Columns and
     * rows are 1 to 65535.
     *
     * @param columns the new width
     * @param rows the new height
     * @throws IllegalArgumentException for a size outside 1 to 65535
     */
    public void resize(int columns, int rows) {
        checkSize(columns, rows);
        synchronized (lock) {
            check(NativePty.resize(open(), columns, rows), "resize");
        }
    }

    /** {@return the window's width in columns ({@code TIOCGWINSZ})} */
    public int columns() {
        return size()[0];
    }

    /** {@return the window's height in rows ({@code TIOCGWINSZ})} */
    public int rows() {
        return size()[1];
    }

    private int[] size() {
        int[] cr = new int[2];
        synchronized (lock) {
            check(NativePty.size(open(), cr), "read the size of");
        }
        return cr;
    }

    static void checkSize(int columns, int rows) {
        if (columns < 1 || columns > 65535 || rows < 1 || rows > 65535) {
            throw new IllegalArgumentException("a terminal's columns and rows must be 1 to 65535, were " + columns
                    + " and " + rows);
        }
    }

    // ------------------------------------------------------------------ modes

    /** {@return whether the terminal echoes what is typed (ECHO)} */
    public boolean echo() {
        return (termios()[NativePty.T_LFLAG] & NativePty.ECHO) != 0;
    }

    /**
     * Turns echo on or off (ECHO), as pexpect's {@code setecho}: off, what is typed is not shown
     * back, so only the child's own output arrives (and a typed password does not). Output the
     * terminal produced before the change stays as it was.
     *
     * @param on true to echo what is typed
     */
    public void setEcho(boolean on) {
        synchronized (lock) {
            int[] t = termiosLocked();
            t[NativePty.T_LFLAG] = on ? t[NativePty.T_LFLAG] | NativePty.ECHO : t[NativePty.T_LFLAG] & ~NativePty.ECHO;
            check(NativePty.setTermios(fd, t), "set echo on");
        }
    }

    /**
     * {@return whether the terminal is in canonical mode (ICANON)} In canonical mode input reaches the
     * child a line at a time, after line editing, at most 4095 bytes of each line (the kernel drops
     * the rest).
     */
    public boolean canonical() {
        return (termios()[NativePty.T_LFLAG] & NativePty.ICANON) != 0;
    }

    /**
     * {@return whether the terminal is in raw mode: no canonical line editing, no signal characters,
     * no output processing}
     */
    public boolean raw() {
        int[] t = termios();
        return (t[NativePty.T_LFLAG] & (NativePty.ICANON | NativePty.ISIG)) == 0 && (t[NativePty.T_OFLAG] & NativePty.OPOST) == 0;
    }

    /**
     * Raw mode on ({@code cfmakeraw}, which also turns echo off) or off: canonical mode, signal
     * characters, {@code \r} to {@code \n} on input and {@code \n} to {@code \r\n} on output back on,
     * echo left as it is ({@link #setEcho(boolean) setEcho(true)} to see typing again).
     *
     * @param on true for raw mode, false for the usual cooked mode
     */
    public void setRaw(boolean on) {
        synchronized (lock) {
            int[] t = termiosLocked();
            if (on) {
                NativePty.makeRaw(t);
            } else {
                t[NativePty.T_IFLAG] |= NativePty.ICRNL | NativePty.IXON;
                t[NativePty.T_OFLAG] |= NativePty.OPOST | NativePty.ONLCR;
                t[NativePty.T_LFLAG] |= NativePty.ISIG | NativePty.ICANON | NativePty.IEXTEN;
            }
            check(NativePty.setTermios(fd, t), "set the mode of");
        }
    }

    // ------------------------------------------------------------------ control characters

    /** {@return the interrupt character (VINTR, usually 3, ^C) as a byte value, or -1 when disabled} */
    public int interruptCharacter() {
        return character(NativePty.VINTR);
    }

    /** {@return the end-of-file character (VEOF, usually 4, ^D) as a byte value, or -1 when disabled} */
    public int eofCharacter() {
        return character(NativePty.VEOF);
    }

    /** {@return the suspend character (VSUSP, usually 26, ^Z) as a byte value, or -1 when disabled} */
    public int suspendCharacter() {
        return character(NativePty.VSUSP);
    }

    /**
     * Types the terminal's VINTR character: with ISIG on, SIGINT to the foreground process group.
     *
     * @throws IllegalStateException if VINTR is disabled, or the terminal is closed
     */
    public void sendInterrupt() {
        send(NativePty.VINTR, "VINTR (interrupt)");
    }

    /**
     * Types the terminal's VEOF character (pexpect's {@code sendeof}): in canonical mode, at the start
     * of a line, the child's read returns 0, its end of file; after a partial line it hands that line
     * over instead, so send a newline first, or VEOF twice. Typing continues to work afterwards (a
     * shell reading the terminal exits on it, {@code cat} ends; the terminal stays).
     *
     * @throws IllegalStateException if VEOF is disabled, or the terminal is closed
     */
    public void sendEof() {
        send(NativePty.VEOF, "VEOF (end of file)");
    }

    /**
     * Types the terminal's VSUSP character: with ISIG on, SIGTSTP to the foreground process group.
     *
     * @throws IllegalStateException if VSUSP is disabled, or the terminal is closed
     */
    public void sendSuspend() {
        send(NativePty.VSUSP, "VSUSP (suspend)");
    }

    private void send(int index, String what) {
        int c = character(index);
        if (c < 0) throw new IllegalStateException(what + " is disabled on " + this);
        typist.type(ByteBuffer.wrap(new byte[] {(byte) c}));
    }

    /** The character at c_cc[index], or -1 when disabled (Linux's _POSIX_VDISABLE is 0). */
    private int character(int index) {
        int c = termios()[NativePty.T_CC + index];
        return c == 0 ? -1 : c;
    }

    /** The current VEOF as one byte to type, or null when the terminal is closed or VEOF disabled. */
    ByteBuffer eofIfOpen() {
        synchronized (lock) {
            if (closed) return null;
            int[] t = new int[NativePty.T_SIZE];
            if (NativePty.getTermios(fd, t) != 0) return null;
            int c = t[NativePty.T_CC + NativePty.VEOF];
            return c == 0 ? null : ByteBuffer.wrap(new byte[] {(byte) c});
        }
    }

    // ------------------------------------------------------------------ the foreground process group

    /**
     * The terminal's foreground process group ({@code TIOCGPGRP} on the master): the shell while it
     * waits for a command, the command's group while one runs. Empty once no group is in the
     * foreground (the session ended).
     *
     * @return the foreground process group id, or empty
     */
    public OptionalLong foregroundProcessGroup() {
        int pgrp;
        synchronized (lock) {
            pgrp = NativePty.foregroundGroup(open());
        }
        if (pgrp < 0) check(-pgrp, "read the foreground process group of");
        return pgrp == 0 ? OptionalLong.empty() : OptionalLong.of(pgrp);
    }

    /**
     * The name of the foreground process group's leader ({@code /proc/PGID/comm}, at most 15
     * characters), what a terminal UI shows as "running: vim". Empty when there is no foreground
     * group or its leader has exited.
     *
     * @return the leader's command name, or empty
     */
    public Optional<String> foregroundProcessName() {
        OptionalLong pgrp = foregroundProcessGroup();
        if (pgrp.isEmpty()) return Optional.empty();
        try {
            return Optional.of(Files.readString(Path.of("/proc", Long.toString(pgrp.getAsLong()), "comm"),
                    StandardCharsets.UTF_8).strip());
        } catch (IOException gone) {
            return Optional.empty();
        }
    }

    /**
     * Sends a signal to the terminal's foreground process group, whatever runs there now: SIGINT,
     * SIGQUIT and SIGTSTP through the terminal itself ({@code TIOCSIG}, as if typed, whatever the
     * mode), any other with {@code kill(-pgid)}.
     *
     * @param signal the signal number, e.g. 2 for SIGINT
     * @throws IllegalStateException when no group is in the foreground, or the terminal is closed
     * @throws ProcessExitedAlreadyException when the group has no process left
     * @throws IllegalArgumentException for a number outside 0 to 64
     */
    public void signalForegroundProcessGroup(int signal) {
        Signals.check(signal);
        long pgrp = foregroundProcessGroup().orElseThrow(() -> new IllegalStateException(this
                + " has no foreground process group (its session ended); cannot send " + Signals.name(signal)));
        if (signal == Signals.SIGINT || signal == Signals.SIGQUIT || signal == Signals.SIGTSTP) {
            synchronized (lock) {
                check(NativePty.signalForeground(open(), signal), "send " + Signals.name(signal) + " through");
            }
            return;
        }
        int err = NativePidfd.signalGroup((int) pgrp, signal);
        if (err == NativeNames.ESRCH) {
            throw new ProcessExitedAlreadyException("no process is left in the foreground process group " + pgrp
                    + " of " + this + "; it cannot receive " + Signals.name(signal));
        }
        if (err != 0) {
            throw new IllegalStateException("cannot send " + Signals.name(signal) + " to the foreground process group "
                    + pgrp + " of " + this + ": " + NativeNames.errnoText(err));
        }
    }

    /**
     * {@link #signalForegroundProcessGroup(int)} by POSIX name.
     *
     * @param signal the name with or without {@code SIG} ({@code "INT"}, {@code "SIGWINCH"}) or the
     *     number ({@code "2"})
     * @throws IllegalArgumentException for a name or number that is no signal
     * @throws IllegalStateException when no group is in the foreground, or the terminal is closed
     * @throws ProcessExitedAlreadyException when the group has no process left
     */
    public void signalForegroundProcessGroup(String signal) {
        signalForegroundProcessGroup(Signals.parse(signal));
    }

    /** {@code Terminal[/dev/pts/3 of ChildProcess[pid=123, running]]}. */
    @Override
    public String toString() {
        return "Terminal[" + name + " of " + owner.get() + (isOpen() ? "" : ", closed") + "]";
    }

    // ------------------------------------------------------------------ package-private

    /**
     * Closes the master under the lock, so no ioctl here can reach a reused fd number; runs
     * {@code closer} (which closes it) once.
     */
    void close(Runnable closer) {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            closer.run();
        }
    }

    /** Whether every slave side is closed and nothing is left to read (a read's EIO then means EOF). */
    boolean hungUp() {
        synchronized (lock) {
            return !closed && NativePty.hungUp(fd) == 1;
        }
    }

    private int[] termios() {
        synchronized (lock) {
            return termiosLocked();
        }
    }

    private int[] termiosLocked() {
        int[] t = new int[NativePty.T_SIZE];
        check(NativePty.getTermios(open(), t), "read the settings of");
        return t;
    }

    /** Guarded by lock: the fd, or IllegalStateException once closed. */
    private int open() {
        if (closed) throw new IllegalStateException(this + " is closed");
        return fd;
    }

    private void check(int err, String what) {
        if (err != 0) throw new IllegalStateException("cannot " + what + " " + this + ": " + NativeNames.errnoText(err));
    }
}
