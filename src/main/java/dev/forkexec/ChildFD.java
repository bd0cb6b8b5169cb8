package dev.forkexec;

/**
 * How one file descriptor of a child is set up: an entry of the map given to
 * {@link ProcessSpec.Builder#childFD(int, ChildFD)}, as in Twisted's {@code childFDs}.
 *
 * <ul>
 *   <li>{@link #parentReads()} is Twisted's {@code 'r'}: a pipe the child writes and the parent reads;
 *   <li>{@link #parentWrites()} is Twisted's {@code 'w'}: a pipe the parent writes and the child reads;
 *   <li>{@link #inherit(int)} is Twisted's integer: the child's fd becomes a copy of a parent fd.
 * </ul>
 *
 * <p>Values are immutable and compare by content. A negative parent fd is accepted here and rejected
 * by {@link ProcessSpec.Builder#build()}.
 */
public final class ChildFD {
    /** The three kinds of entry. */
    public enum Kind {
        /** A pipe; the child writes, the parent reads (Twisted {@code 'r'}). */
        PARENT_READS,
        /** A pipe; the parent writes, the child reads (Twisted {@code 'w'}). */
        PARENT_WRITES,
        /** A copy of an fd the parent already has open. */
        INHERIT
    }

    private static final ChildFD READS = new ChildFD(Kind.PARENT_READS, -1);
    private static final ChildFD WRITES = new ChildFD(Kind.PARENT_WRITES, -1);

    private final Kind kind;
    private final int parentFD;

    private ChildFD(Kind kind, int parentFD) {
        this.kind = kind;
        this.parentFD = parentFD;
    }

    /** A pipe from the child to the parent (Twisted {@code 'r'}). */
    public static ChildFD parentReads() {
        return READS;
    }

    /** A pipe from the parent to the child (Twisted {@code 'w'}). */
    public static ChildFD parentWrites() {
        return WRITES;
    }

    /** The child's fd is a duplicate of {@code parentFD}, which must be open when the child starts. */
    public static ChildFD inherit(int parentFD) {
        return new ChildFD(Kind.INHERIT, parentFD);
    }

    /** Which kind of entry this is. */
    public Kind kind() {
        return kind;
    }

    /** The parent fd an {@link Kind#INHERIT} entry copies; -1 for pipes. */
    public int parentFD() {
        return parentFD;
    }

    /** True for the two pipe kinds. */
    public boolean isPipe() {
        return kind != Kind.INHERIT;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChildFD && ((ChildFD) o).kind == kind && ((ChildFD) o).parentFD == parentFD;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + parentFD;
    }

    /** Twisted's notation: {@code 'r'}, {@code 'w'}, or the parent fd. */
    @Override
    public String toString() {
        return kind == Kind.PARENT_READS ? "'r'" : kind == Kind.PARENT_WRITES ? "'w'" : Integer.toString(parentFD);
    }
}
