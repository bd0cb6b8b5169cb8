package dev.forkexec.internal;

import java.lang.annotation.Native;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Signal names and numbers. Linux numbers them alike on x86_64 and aarch64; the table is plain Java
 * so that an {@code ExitStatus} prints without the native library, and {@code names_jni.c} checks
 * every number against the C headers at compile time.
 */
public final class Signals {
    @Native public static final int SIGHUP = 1;
    @Native public static final int SIGINT = 2;
    @Native public static final int SIGQUIT = 3;
    @Native public static final int SIGILL = 4;
    @Native public static final int SIGTRAP = 5;
    @Native public static final int SIGABRT = 6;
    @Native public static final int SIGBUS = 7;
    @Native public static final int SIGFPE = 8;
    @Native public static final int SIGKILL = 9;
    @Native public static final int SIGUSR1 = 10;
    @Native public static final int SIGSEGV = 11;
    @Native public static final int SIGUSR2 = 12;
    @Native public static final int SIGPIPE = 13;
    @Native public static final int SIGALRM = 14;
    @Native public static final int SIGTERM = 15;
    @Native public static final int SIGSTKFLT = 16;
    @Native public static final int SIGCHLD = 17;
    @Native public static final int SIGCONT = 18;
    @Native public static final int SIGSTOP = 19;
    @Native public static final int SIGTSTP = 20;
    @Native public static final int SIGTTIN = 21;
    @Native public static final int SIGTTOU = 22;
    @Native public static final int SIGURG = 23;
    @Native public static final int SIGXCPU = 24;
    @Native public static final int SIGXFSZ = 25;
    @Native public static final int SIGVTALRM = 26;
    @Native public static final int SIGPROF = 27;
    @Native public static final int SIGWINCH = 28;
    @Native public static final int SIGIO = 29;
    @Native public static final int SIGPWR = 30;
    @Native public static final int SIGSYS = 31;
    /** The highest signal number (SIGRTMAX). */
    @Native public static final int MAX = 64;

    private static final Map<String, Integer> BY_NAME = new HashMap<>();
    private static final String[] BY_NUMBER = new String[MAX + 1];

    static {
        Object[] table = {
            "HUP", SIGHUP, "INT", SIGINT, "QUIT", SIGQUIT, "ILL", SIGILL, "TRAP", SIGTRAP, "ABRT", SIGABRT,
            "BUS", SIGBUS, "FPE", SIGFPE, "KILL", SIGKILL, "USR1", SIGUSR1, "SEGV", SIGSEGV, "USR2", SIGUSR2,
            "PIPE", SIGPIPE, "ALRM", SIGALRM, "TERM", SIGTERM, "STKFLT", SIGSTKFLT, "CHLD", SIGCHLD,
            "CONT", SIGCONT, "STOP", SIGSTOP, "TSTP", SIGTSTP, "TTIN", SIGTTIN, "TTOU", SIGTTOU, "URG", SIGURG,
            "XCPU", SIGXCPU, "XFSZ", SIGXFSZ, "VTALRM", SIGVTALRM, "PROF", SIGPROF, "WINCH", SIGWINCH,
            "IO", SIGIO, "PWR", SIGPWR, "SYS", SIGSYS,
            // aliases: parsed, never printed
            "IOT", SIGABRT, "POLL", SIGIO,
        };
        for (int i = 0; i < table.length; i += 2) {
            String name = (String) table[i];
            int number = (Integer) table[i + 1];
            BY_NAME.put(name, number);
            if (BY_NUMBER[number] == null) BY_NUMBER[number] = "SIG" + name;
        }
    }

    private Signals() {}

    /** "TERM", "SIGTERM", "sigterm" or "15" to 15; IllegalArgumentException naming the input otherwise. */
    public static int parse(String signal) {
        if (signal == null) throw new IllegalArgumentException("signal must not be null");
        String name = signal.trim().toUpperCase(Locale.ROOT);
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
            try {
                return check(Integer.parseInt(name));
            } catch (NumberFormatException e) {
                // too many digits: reported below
            }
        }
        Integer number = BY_NAME.get(name.startsWith("SIG") ? name.substring(3) : name);
        if (number == null) {
            throw new IllegalArgumentException("unknown signal '" + signal
                    + "': use a POSIX name such as TERM, SIGKILL or HUP, or a number from 1 to " + MAX);
        }
        return number;
    }

    /** 1..64 (0 probes for existence, as kill(2) allows); IllegalArgumentException otherwise. */
    public static int check(int signal) {
        if (signal < 0 || signal > MAX) {
            throw new IllegalArgumentException("signal " + signal + " is out of range 0.." + MAX);
        }
        return signal;
    }

    /** "SIGTERM", or "signal 40" for numbers without a name. */
    public static String name(int signal) {
        String name = signal >= 0 && signal <= MAX ? BY_NUMBER[signal] : null;
        return name != null ? name : "signal " + signal;
    }
}
