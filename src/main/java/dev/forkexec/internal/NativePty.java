package dev.forkexec.internal;

import java.lang.annotation.Native;

/**
 * Mirrors {@code pty_jni.c}: the ioctls on a pseudo-terminal's master once the child runs (the
 * terminal itself is opened by the spawn, see {@link NativeSpawn#FD_PTY_SLAVE}).
 *
 * <p>A termios travels as {@link #T_SIZE} ints: the four flag words at {@code T_IFLAG..T_LFLAG},
 * then the {@link #NCC} control characters from {@link #T_CC}. The flag bits and control
 * character indices below are the kernel's; pty_jni.c checks each against the C headers.
 */
public final class NativePty {
    @Native public static final int T_IFLAG = 0;
    @Native public static final int T_OFLAG = 1;
    @Native public static final int T_CFLAG = 2;
    @Native public static final int T_LFLAG = 3;
    @Native public static final int T_CC = 4;
    @Native public static final int NCC = 19;
    @Native public static final int T_SIZE = T_CC + NCC;

    // c_iflag
    @Native public static final int BRKINT = 0x2;
    @Native public static final int ICRNL = 0x100;
    @Native public static final int IXON = 0x400;
    // c_oflag
    @Native public static final int OPOST = 0x1;
    @Native public static final int ONLCR = 0x4;
    // c_lflag
    @Native public static final int ISIG = 0x1;
    @Native public static final int ICANON = 0x2;
    @Native public static final int ECHO = 0x8;
    @Native public static final int IEXTEN = 0x8000;
    // c_cc indices
    @Native public static final int VINTR = 0;
    @Native public static final int VQUIT = 1;
    @Native public static final int VERASE = 2;
    @Native public static final int VKILL = 3;
    @Native public static final int VEOF = 4;
    @Native public static final int VSUSP = 10;

    static {
        NativeLibrary.load();
    }

    private NativePty() {}

    /** TIOCSWINSZ: 0 or errno. The kernel sends SIGWINCH to the foreground group when the size changes. */
    public static native int resize(int fd, int columns, int rows);

    /** TIOCGWINSZ into {@code out} (columns, rows): 0 or errno. */
    public static native int size(int fd, int[] out);

    /** TCGETS into {@code termios} ({@link #T_SIZE} ints): 0 or errno. */
    public static native int getTermios(int fd, int[] termios);

    /** TCSETS (TCSANOW) from {@code termios}: 0 or errno. */
    public static native int setTermios(int fd, int[] termios);

    /** cfmakeraw's changes applied to {@code termios} in place (no system call). */
    public static native void makeRaw(int[] termios);

    /** TIOCGPGRP: the foreground process group (0: none), or -errno. */
    public static native int foregroundGroup(int fd);

    /** TIOCSIG: SIGINT, SIGQUIT or SIGTSTP to the foreground group; 0 or errno. */
    public static native int signalForeground(int fd, int signal);

    /** TIOCGPTN: the N of /dev/pts/N, or -errno. */
    public static native int number(int fd);

    /** 1 when every slave side is closed and nothing is left to read, 0 if not, or -errno. */
    public static native int hungUp(int fd);

    /** fcntl(F_DUPFD_CLOEXEC): a new fd for the same open file, or -errno. */
    public static native int dup(int fd);
}
