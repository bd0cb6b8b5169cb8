package dev.forkexec;

import dev.forkexec.internal.NativeNames;
import java.io.IOException;

/**
 * How the running JDK words a failed exec after {@code Cannot run program "x": }. JDK 17 says
 * {@code error=2, No such file or directory}; JDK 25 (JDK-8352533, perhaps backported later) says
 * {@code Exec failed, error: 2 (No such file or directory) } with a trailing space. Rather than guess
 * from the version, the first failure {@link Processes} reports makes {@code ProcessBuilder} fail once
 * on a program that cannot exist and learns the format from its message; the version decides only if
 * that message cannot be parsed.
 */
final class JdkWording {
    private static final String PROBE = "/nonexistent-forkexec-wording-probe/x";
    private static final int ENOENT_NUMBER = 2;
    private static volatile String[] template; // before the number, between number and text, after the text

    private JdkWording() {}

    /** The detail the running JDK gives an exec or chdir failure with this errno. */
    static String execFailure(int errno) {
        String[] t = template;
        if (t == null) template = t = learn();
        return t[0] + errno + t[1] + strerror(errno) + t[2];
    }

    /** strerror's text for an errno, as glibc words it. */
    static String strerror(int errno) {
        String text = NativeNames.errnoText(errno); // "No such file or directory (ENOENT)"
        if (text.startsWith("Unknown error (errno ")) return "Unknown error " + errno;
        int paren = text.lastIndexOf(" (E");
        return paren > 0 && text.endsWith(")") ? text.substring(0, paren) : text;
    }

    private static String[] learn() {
        String[] fallback = Runtime.version().feature() >= 25 ? new String[] {"Exec failed, error: ", " (", ") "}
                : new String[] {"error=", ", ", ""};
        String message;
        try {
            Process p = new ProcessBuilder(PROBE).start();
            p.destroyForcibly(); // cannot happen: no such directory
            return fallback;
        } catch (IOException e) {
            message = e.getMessage();
        } catch (RuntimeException e) {
            return fallback;
        }
        String prefix = "Cannot run program \"" + PROBE + "\": ";
        if (message == null || !message.startsWith(prefix)) return fallback;
        String detail = message.substring(prefix.length());
        String text = strerror(NativeNames.ENOENT);
        int at = detail.indexOf(text);
        if (at < 0 || NativeNames.ENOENT != ENOENT_NUMBER) return fallback;
        String before = detail.substring(0, at);
        int number = before.lastIndexOf(Integer.toString(ENOENT_NUMBER));
        if (number < 0) return fallback;
        return new String[] {before.substring(0, number), before.substring(number + 1), detail.substring(at + text.length())};
    }
}
