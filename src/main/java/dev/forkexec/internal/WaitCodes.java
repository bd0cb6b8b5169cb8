package dev.forkexec.internal;

import java.lang.annotation.Native;

/**
 * waitid(2)'s {@code si_code} values for an ended child, and how the native layer packs a status
 * into one int. Plain Java, so exit statuses decode without the native library; {@code pidfd_jni.c}
 * checks the values against the C headers at compile time.
 */
public final class WaitCodes {
    @Native public static final int CLD_EXITED = 1;
    @Native public static final int CLD_KILLED = 2;
    @Native public static final int CLD_DUMPED = 3;

    private WaitCodes() {}

    /** {@code si_code} of a status packed as {@code (si_code << 8) | si_status}. */
    public static int code(int packed) {
        return packed >>> 8;
    }

    /** {@code si_status} of a packed status: the exit code or the signal. */
    public static int status(int packed) {
        return packed & 0xff;
    }
}
