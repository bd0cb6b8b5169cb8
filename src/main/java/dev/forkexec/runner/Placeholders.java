package dev.forkexec.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * GNU parallel's replacement strings, compiled once from the command template and applied to each
 * job: {@code {}} (the input), {@code {.}} (without its last extension), {@code {/}} (basename),
 * {@code {//}} (dirname, as Perl's {@code File::Basename::dirname}), {@code {/.}} (basename without
 * extension), {@code {#}} (the job's sequence number), {@code {%}} (its slot), and the positional
 * forms {@code {N}}, {@code {N.}}, {@code {N/}}, {@code {N//}}, {@code {N/.}} for input source (or
 * {@code --colsep} column) N, counted from the end when negative. A positional placeholder past the
 * last input is the empty string.
 *
 * <p>When the template holds no placeholder at all, the inputs are appended as the last arguments.
 *
 * <p>Two ways to apply it. {@link #argv} (direct exec, the default): each template word is one
 * argument with the raw values substituted, except that a word that is exactly {@code {}} (or
 * {@code {.}}, {@code {/}}, ...) becomes one argument per input, as the shell would have split GNU
 * parallel's quoted list; a word mixing text and several inputs joins them with single spaces.
 * {@link #shellLine} ({@code --shell}): the words joined by spaces, the template kept as shell code
 * and every substituted value shell-quoted, which is GNU parallel's command line.
 */
final class Placeholders {
    /** The transformation a placeholder applies to its value. */
    enum Transform {
        /** {@code {}}. */
        NONE,
        /** {@code {.}}: drop the last extension. */
        NO_EXTENSION,
        /** {@code {/}}: drop everything up to the last {@code /}. */
        BASENAME,
        /** {@code {//}}: the directory part. */
        DIRNAME,
        /** {@code {/.}}: basename without extension. */
        BASENAME_NO_EXTENSION
    }

    /** A piece of a template word: literal text, or a placeholder. */
    private record Segment(String literal, boolean seq, boolean slot, int source, Transform transform) {
        static Segment text(String s) {
            return new Segment(s, false, false, 0, null);
        }

        boolean isLiteral() {
            return literal != null;
        }

        /** {@code {}}-like: every input (source 0). */
        boolean isAll() {
            return literal == null && !seq && !slot && source == 0;
        }
    }

    private final List<List<Segment>> words;
    private final boolean hasPlaceholder;

    private Placeholders(List<List<Segment>> words, boolean hasPlaceholder) {
        this.words = words;
        this.hasPlaceholder = hasPlaceholder;
    }

    /** Compiles the command template; rejects GNU parallel's Perl expressions, which this runner lacks. */
    static Placeholders compile(List<String> template) throws RunnerException {
        List<List<Segment>> words = new ArrayList<>();
        boolean any = false;
        for (String w : template) {
            if (w.contains("{=")) {
                throw new RunnerException("Perl expression replacement strings {=...=} are not supported: " + w);
            }
            List<Segment> segs = parseWord(w);
            for (Segment s : segs) any |= !s.isLiteral();
            words.add(segs);
        }
        return new Placeholders(words, any);
    }

    /** Whether the template names any placeholder (else the inputs are appended). */
    boolean hasPlaceholder() {
        return hasPlaceholder;
    }

    /** The argv of one job for direct exec. */
    List<String> argv(String[] args, long seq, int slot) {
        List<String> out = new ArrayList<>(words.size() + (hasPlaceholder ? 0 : args.length));
        StringBuilder b = new StringBuilder();
        for (List<Segment> word : words) {
            if (word.size() == 1 && word.get(0).isAll()) {
                Transform t = word.get(0).transform();
                for (String a : args) out.add(apply(t, a));
                continue;
            }
            b.setLength(0);
            appendWord(b, word, args, seq, slot, v -> v);
            out.add(b.toString());
        }
        if (!hasPlaceholder) {
            for (String a : args) out.add(a);
        }
        return out;
    }

    /**
     * One template word with its placeholders replaced; each substituted input value goes through
     * {@code value} (as is for exec, shell-quoted for {@code sh -c}); {@code {#}} and {@code {%}} are numbers.
     */
    private void appendWord(StringBuilder b, List<Segment> word, String[] args, long seq, int slot,
                            UnaryOperator<String> value) {
        for (Segment s : word) {
            if (s.isLiteral()) {
                b.append(s.literal());
            } else if (s.seq()) {
                b.append(seq);
            } else if (s.slot()) {
                b.append(slot);
            } else if (s.isAll()) {
                for (int i = 0; i < args.length; i++) {
                    if (i > 0) b.append(' ');
                    b.append(value.apply(apply(s.transform(), args[i])));
                }
            } else {
                String v = positional(s.source(), args);
                if (v != null) b.append(value.apply(apply(s.transform(), v)));
            }
        }
    }

    /** The {@code sh -c} command line of one job: the template as shell code, the values quoted. */
    String shellLine(String[] args, long seq, int slot) {
        StringBuilder b = new StringBuilder();
        boolean first = true;
        for (List<Segment> word : words) {
            if (!first) b.append(' ');
            first = false;
            appendWord(b, word, args, seq, slot, ShellQuote::quote);
        }
        if (!hasPlaceholder) {
            for (String a : args) {
                if (!first) b.append(' ');
                first = false;
                b.append(ShellQuote.quote(a));
            }
        }
        return b.toString();
    }

    private static String positional(int source, String[] args) {
        int i = source > 0 ? source - 1 : args.length + source;
        return i >= 0 && i < args.length ? args[i] : null;
    }

    // ------------------------------------------------------------ parsing

    private static List<Segment> parseWord(String w) {
        List<Segment> out = new ArrayList<>();
        int textStart = 0;
        int i = 0;
        while (i < w.length()) {
            int open = w.indexOf('{', i);
            if (open < 0) break;
            int close = w.indexOf('}', open + 1);
            if (close < 0) break;
            Segment p = placeholder(w.substring(open + 1, close));
            if (p == null) {
                i = open + 1;
                continue;
            }
            if (open > textStart) out.add(Segment.text(w.substring(textStart, open)));
            out.add(p);
            textStart = close + 1;
            i = close + 1;
        }
        if (textStart < w.length() || out.isEmpty()) out.add(Segment.text(w.substring(textStart)));
        return out;
    }

    /** The placeholder named by the text between braces, or null when it is not one. */
    private static Segment placeholder(String inner) {
        if (inner.equals("#")) return new Segment(null, true, false, 0, null);
        if (inner.equals("%")) return new Segment(null, false, true, 0, null);
        int i = 0;
        if (i < inner.length() && inner.charAt(i) == '-') i++;
        int digitsStart = i;
        while (i < inner.length() && Character.isDigit(inner.charAt(i)) && inner.charAt(i) < 128) i++;
        int source = 0;
        if (i > digitsStart) {
            if (i - digitsStart > 9) return null;
            source = Integer.parseInt(inner.substring(digitsStart, i));
            if (source == 0) return null;
            if (digitsStart > 0) source = -source;
        } else if (digitsStart > 0) {
            return null; // a lone '-'
        }
        Transform t;
        switch (inner.substring(i)) {
            case "": t = Transform.NONE; break;
            case ".": t = Transform.NO_EXTENSION; break;
            case "/": t = Transform.BASENAME; break;
            case "//": t = Transform.DIRNAME; break;
            case "/.": t = Transform.BASENAME_NO_EXTENSION; break;
            default: return null;
        }
        return new Segment(null, false, false, source, t);
    }

    // ------------------------------------------------------------ transformations (GNU parallel's Perl)

    static String apply(Transform t, String v) {
        switch (t) {
            case NONE: return v;
            case NO_EXTENSION: return noExtension(v);
            case BASENAME: return basename(v);
            case DIRNAME: return dirname(v);
            case BASENAME_NO_EXTENSION: return noExtension(basename(v));
            default: throw new AssertionError(t);
        }
    }

    /** {@code s:\.[^/.]*$::}. */
    static String noExtension(String v) {
        int dot = v.lastIndexOf('.');
        if (dot < 0 || v.indexOf('/', dot) >= 0) return v;
        return v.substring(0, dot);
    }

    /**
     * {@code s:.*\/::}. Perl's {@code .} does not match a newline, so the match is made in the first
     * line that holds a {@code /}, from that line's start to its last {@code /}.
     */
    static String basename(String v) {
        int lineStart = 0;
        while (lineStart <= v.length()) {
            int nl = v.indexOf('\n', lineStart);
            int lineEnd = nl < 0 ? v.length() : nl;
            int slash = v.lastIndexOf('/', lineEnd - 1);
            if (slash >= lineStart) return v.substring(0, lineStart) + v.substring(slash + 1);
            if (nl < 0) break;
            lineStart = nl + 1;
        }
        return v;
    }

    /** Perl's {@code File::Basename::dirname} on Unix. */
    static String dirname(String v) {
        String[] parts = fileparse(v);
        String dir = stripTrailingSlashes(parts[0]);
        if (parts[1].isEmpty()) {
            dir = stripTrailingSlashes(fileparse(dir)[0]);
        }
        return dir;
    }

    /** Perl's {@code fileparse}: split after the last slash ({@code ./} when there is none): {dir, base}. */
    private static String[] fileparse(String v) {
        int slash = v.lastIndexOf('/');
        if (slash < 0) return new String[] {"./", v};
        return new String[] {v.substring(0, slash + 1), v.substring(slash + 1)};
    }

    /** Trailing slashes go, but never the first character (Perl's {@code _strip_trailing_sep}). */
    private static String stripTrailingSlashes(String v) {
        int end = v.length();
        while (end > 1 && v.charAt(end - 1) == '/') end--;
        return v.substring(0, end);
    }
}
