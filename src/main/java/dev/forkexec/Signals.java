package dev.forkexec;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Signal names and numbers, as the native library's platform defines them. */
final class Signals {
    static final int MAX = 64;
    private static final Map<String, Integer> BY_NAME = new HashMap<>();
    private static final Map<Integer, String> BY_NUMBER = new HashMap<>();

    static {
        String[] names = NativePosix.signalNames();
        int[] numbers = NativePosix.signalNumbers();
        for (int i = 0; i < names.length; i++) {
            BY_NAME.put(names[i], numbers[i]);
            BY_NUMBER.putIfAbsent(numbers[i], "SIG" + names[i]); // ABRT before IOT, IO before POLL
        }
    }

    private Signals() {}

    /** "TERM", "SIGTERM", "sigterm" or "15" to 15; IllegalArgumentException naming the input otherwise. */
    static int parse(String signal) {
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
    static int check(int signal) {
        if (signal < 0 || signal > MAX) {
            throw new IllegalArgumentException("signal " + signal + " is out of range 0.." + MAX);
        }
        return signal;
    }

    /** "SIGTERM", or "signal 40" for numbers without a name. */
    static String name(int signal) {
        String name = BY_NUMBER.get(signal);
        return name != null ? name : "signal " + signal;
    }
}
