package dev.forkexec;

import java.time.Duration;
import java.util.Objects;

/**
 * What a child used, as the wait that reaped it reports ({@code waitid} with a {@code struct rusage},
 * the same figures as {@code getrusage(RUSAGE_CHILDREN)} and GNU time). The figures cover the child
 * and those of its descendants that it waited for itself. Immutable; from
 * {@link ExitStatus#resourceUsage()}.
 */
public final class ResourceUsage {
    private final Duration userTime;
    private final Duration systemTime;
    private final long maxResidentSetBytes;
    private final long minorPageFaults;
    private final long majorPageFaults;
    private final long blocksRead;
    private final long blocksWritten;
    private final long voluntaryContextSwitches;
    private final long involuntaryContextSwitches;

    /**
     * The figures as the kernel reports them; counts are never negative. Public so that tests and
     * other process layers can build values; children's figures come from {@link ExitStatus}.
     *
     * @param userTime CPU time spent in user mode
     * @param systemTime CPU time spent in the kernel on the child's behalf
     * @param maxResidentSetBytes the peak resident set size, in bytes
     * @param minorPageFaults page faults served without I/O
     * @param majorPageFaults page faults that needed I/O
     * @param blocksRead blocks read from file systems, in 512-byte units
     * @param blocksWritten blocks written to file systems, in 512-byte units
     * @param voluntaryContextSwitches times the child gave up the CPU to wait
     * @param involuntaryContextSwitches times the scheduler took the CPU away
     * @throws NullPointerException if {@code userTime} or {@code systemTime} is null
     */
    public ResourceUsage(Duration userTime, Duration systemTime, long maxResidentSetBytes, long minorPageFaults,
            long majorPageFaults, long blocksRead, long blocksWritten, long voluntaryContextSwitches,
            long involuntaryContextSwitches) {
        this.userTime = Objects.requireNonNull(userTime, "userTime");
        this.systemTime = Objects.requireNonNull(systemTime, "systemTime");
        this.maxResidentSetBytes = maxResidentSetBytes;
        this.minorPageFaults = minorPageFaults;
        this.majorPageFaults = majorPageFaults;
        this.blocksRead = blocksRead;
        this.blocksWritten = blocksWritten;
        this.voluntaryContextSwitches = voluntaryContextSwitches;
        this.involuntaryContextSwitches = involuntaryContextSwitches;
    }

    /** {@return the CPU time spent in user mode} */
    public Duration userTime() {
        return userTime;
    }

    /** {@return the CPU time spent in the kernel on the child's behalf} */
    public Duration systemTime() {
        return systemTime;
    }

    /**
     * The peak resident set size, in bytes (the kernel counts KiB). When a program execs, Linux folds
     * the peak of the address space it replaces into this figure; a child started with
     * {@code clone(CLONE_VM)} (or forked) replaces the JVM's, so the figure is at least the JVM's own
     * peak at the moment of the exec. It is the child's own peak only when the child grew beyond that;
     * otherwise it is an upper bound. {@code posix_spawn}, {@code vfork} and Python's subprocess share
     * this; GNU {@code time} shows the child's own peak because it forks from a tiny process.
     *
     * @return the peak resident set size, in bytes
     */
    public long maxResidentSetBytes() {
        return maxResidentSetBytes;
    }

    /** {@return the number of page faults served without I/O} */
    public long minorPageFaults() {
        return minorPageFaults;
    }

    /** {@return the number of page faults that needed I/O} */
    public long majorPageFaults() {
        return majorPageFaults;
    }

    /** {@return the blocks read from file systems, in 512-byte units (the page cache hides most reads)} */
    public long blocksRead() {
        return blocksRead;
    }

    /** {@return the blocks written to file systems, in 512-byte units} */
    public long blocksWritten() {
        return blocksWritten;
    }

    /** {@return how many times the child gave up the CPU to wait (I/O, sleep, a lock)} */
    public long voluntaryContextSwitches() {
        return voluntaryContextSwitches;
    }

    /** {@return how many times the scheduler took the CPU away (another task's turn)} */
    public long involuntaryContextSwitches() {
        return involuntaryContextSwitches;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ResourceUsage)) return false;
        ResourceUsage u = (ResourceUsage) o;
        return userTime.equals(u.userTime) && systemTime.equals(u.systemTime)
                && maxResidentSetBytes == u.maxResidentSetBytes && minorPageFaults == u.minorPageFaults
                && majorPageFaults == u.majorPageFaults && blocksRead == u.blocksRead
                && blocksWritten == u.blocksWritten && voluntaryContextSwitches == u.voluntaryContextSwitches
                && involuntaryContextSwitches == u.involuntaryContextSwitches;
    }

    @Override
    public int hashCode() {
        return Objects.hash(userTime, systemTime, maxResidentSetBytes, minorPageFaults, majorPageFaults);
    }

    /** {@code user 0.212s, system 0.031s, max RSS 52184 KiB, page faults ...}. */
    @Override
    public String toString() {
        return String.format("user %.3fs, system %.3fs, max RSS %d KiB, page faults %d minor / %d major,"
                        + " blocks %d in / %d out, context switches %d voluntary / %d involuntary",
                userTime.toNanos() / 1e9, systemTime.toNanos() / 1e9, maxResidentSetBytes / 1024, minorPageFaults,
                majorPageFaults, blocksRead, blocksWritten, voluntaryContextSwitches, involuntaryContextSwitches);
    }
}
