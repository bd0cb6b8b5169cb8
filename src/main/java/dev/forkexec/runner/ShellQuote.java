package dev.forkexec.runner;

import java.util.List;

/**
 * GNU parallel's quoting for Bourne shells ({@code shell_quote_scalar_default}): a value made only of
 * {@code [-_.+a-zA-Z0-9/]} stays as it is, the empty string becomes {@code ''}, anything else is put in
 * single quotes with each {@code '} written as {@code '"'"'}, and a leading or trailing {@code ''}
 * that this leaves is dropped. Used for {@code --shell} command lines and for the command as the
 * joblog, {@code --dry-run} and messages show it.
 */
final class ShellQuote {
    private ShellQuote() {}

    /** {@code s} quoted so that {@code sh} reads it back as exactly one word equal to {@code s}. */
    static String quote(String s) {
        if (s.isEmpty()) return "''";
        if (isSafe(s)) return s;
        StringBuilder b = new StringBuilder(s.length() + 8).append('\'');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') b.append("'\"'\"'");
            else b.append(c);
        }
        b.append('\'');
        int from = b.length() >= 2 && b.charAt(0) == '\'' && b.charAt(1) == '\'' ? 2 : 0;
        int to = b.length();
        if (to - from >= 2 && b.charAt(to - 1) == '\'' && b.charAt(to - 2) == '\'') to -= 2;
        return b.substring(from, to);
    }

    /** Each word quoted, joined by single spaces: a command line {@code sh -c} turns back into argv. */
    static String join(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) b.append(' ');
            b.append(quote(w));
        }
        return b.toString();
    }

    private static boolean isSafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '+' || c == '/';
            if (!ok) return false;
        }
        return true;
    }
}
