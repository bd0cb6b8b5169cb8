package dev.forkexec;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How big the reliability tests run: the fast sizes in {@code make test}, the long ones under
 * {@code -Dforkexec.stress=true} ({@code make stress}). Each size can also be set alone with its own
 * system property, and every seeded test takes {@code -Dforkexec.seed=N} to replay a failure.
 */
final class Scale {
    /** {@code -Dforkexec.stress=true}: the long variants. */
    static final boolean STRESS = Boolean.getBoolean("forkexec.stress");

    private Scale() {}

    /** {@code -Dforkexec.<name>=N} if given, else {@code stress} under STRESS, else {@code fast}. */
    static int of(String name, int fast, int stress) {
        return Integer.getInteger("forkexec." + name, STRESS ? stress : fast);
    }

    /** {@code -Dforkexec.seed} if given, else a fresh random seed (printed by the test that uses it). */
    static long seed() {
        Long given = Long.getLong("forkexec.seed");
        return given != null ? given : ThreadLocalRandom.current().nextLong();
    }

    /** "rerun with -Dforkexec.seed=N", for failure messages. */
    static String replay(long seed) {
        return "seed " + seed + " (replay: mvn test -Dtest=<this class> -Dforkexec.seed=" + seed + ")";
    }

    /** Prints one figure line, prefixed so {@code make stress} output can be grepped. */
    static void report(String line) {
        System.out.println("[forkexec figures] " + line);
        System.out.flush();
    }
}
