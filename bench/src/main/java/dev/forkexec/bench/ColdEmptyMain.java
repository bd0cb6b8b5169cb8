package dev.forkexec.bench;

/** Scenario 7's floor: a fresh JVM that does nothing. */
public final class ColdEmptyMain {
    private ColdEmptyMain() {}

    public static void main(String[] args) {
        // nothing: JVM start and exit only
    }
}
