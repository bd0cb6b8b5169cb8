package dev.forkexec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How one file descriptor of a child is set up: an entry of the map given to
 * {@link ProcessSpec.Builder#childFD(int, ChildFD)}, as in Twisted's {@code childFDs}.
 *
 * <ul>
 *   <li>{@link #parentReads()} is Twisted's {@code 'r'}: a pipe the child writes and the parent reads;
 *   <li>{@link #parentWrites()} is Twisted's {@code 'w'}: a pipe the parent writes and the child reads;
 *   <li>{@link #inherit(int)} is Twisted's integer: the child's fd becomes a copy of a parent fd;
 *   <li>{@link #readFrom(Path)}, {@link #writeTo(Path)}, {@link #appendTo(Path)} and {@link #devNull()}
 *       redirect to a file, as a shell's {@code <}, {@code >}, {@code >>} and {@code /dev/null} do;
 *   <li>{@link #sameAs(int)} makes the fd share another entry's open file, as a shell's {@code 2>&1};
 *   <li>{@link Kind#TERMINAL}, the slave side of the child's pseudo-terminal, is what fds 0, 1 and 2
 *       of a spec built with {@link ProcessSpec.Builder#usePTY()} hold; there is no factory for it.
 * </ul>
 *
 * <p>Files are opened by the parent, close-on-exec, just before the spawn and closed in the parent
 * right after it, whether the spawn worked or not; a file that cannot be opened fails the spawn with
 * a {@link SpawnException} whose step is {@code "open"}, naming the file. Values are immutable and
 * compare by content. A negative parent fd, or a {@code sameAs} naming a child fd the map lacks, is
 * accepted here and rejected by {@link ProcessSpec.Builder#build()}.
 */
public final class ChildFD {
    /** The kinds of entry. */
    public enum Kind {
        /** A pipe; the child writes, the parent reads (Twisted {@code 'r'}). */
        PARENT_READS,
        /** A pipe; the parent writes, the child reads (Twisted {@code 'w'}). */
        PARENT_WRITES,
        /** A copy of an fd the parent already has open. */
        INHERIT,
        /** A file opened for reading ({@code O_RDONLY}). */
        READ_FROM,
        /** A file created or truncated ({@code O_WRONLY|O_CREAT|O_TRUNC}, mode 0666 less the umask). */
        WRITE_TO,
        /** A file created or appended to ({@code O_WRONLY|O_CREAT|O_APPEND}). */
        APPEND_TO,
        /** {@code /dev/null}, read-write. */
        DEV_NULL,
        /** The same open file as another child fd of the map. */
        SAME_AS,
        /**
         * The slave side of the child's pseudo-terminal. {@link ProcessSpec.Builder#usePTY()} puts it
         * on fds 0, 1 and 2; it is never set by hand (a spec without usePTY rejects it), and the
         * parent's end is the terminal's master, not a pipe.
         */
        TERMINAL
    }

    private static final ChildFD READS = new ChildFD(Kind.PARENT_READS, -1, null);
    private static final ChildFD WRITES = new ChildFD(Kind.PARENT_WRITES, -1, null);
    private static final ChildFD DEV_NULL = new ChildFD(Kind.DEV_NULL, -1, null);
    /** The terminal's slave: the entry usePTY() puts on fds 0, 1 and 2. */
    static final ChildFD TERMINAL = new ChildFD(Kind.TERMINAL, -1, null);

    private final Kind kind;
    private final int fd;
    private final Path path;

    private ChildFD(Kind kind, int fd, Path path) {
        this.kind = kind;
        this.fd = fd;
        this.path = path;
    }

    /**
     * A pipe from the child to the parent (Twisted {@code 'r'}).
     *
     * @return the entry; the parent's end is readable ({@link Subprocess#channel(int)}, or
     *     {@code childDataReceived} through a {@link Reactor})
     */
    public static ChildFD parentReads() {
        return READS;
    }

    /**
     * A pipe from the parent to the child (Twisted {@code 'w'}).
     *
     * @return the entry; the parent's end is writable ({@link Subprocess#channel(int)}, or
     *     {@code write}/{@code writeToChild} through a {@link Reactor})
     */
    public static ChildFD parentWrites() {
        return WRITES;
    }

    /**
     * The child's fd is a duplicate of {@code parentFD}, which must be open when the child starts.
     *
     * @param parentFD an fd of this process; the parent keeps its own copy
     * @return the entry
     */
    public static ChildFD inherit(int parentFD) {
        return new ChildFD(Kind.INHERIT, parentFD, null);
    }

    /**
     * The child reads this file ({@code O_RDONLY}); like a shell's {@code < file}.
     *
     * @param file the file to open, relative names against the JVM's working directory
     * @return the entry
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static ChildFD readFrom(Path file) {
        return new ChildFD(Kind.READ_FROM, -1, file(file, "readFrom"));
    }

    /**
     * The file is created or truncated ({@code O_WRONLY|O_CREAT|O_TRUNC}, 0666 less the umask); like a
     * shell's {@code > file}.
     *
     * @param file the file to open, relative names against the JVM's working directory
     * @return the entry
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static ChildFD writeTo(Path file) {
        return new ChildFD(Kind.WRITE_TO, -1, file(file, "writeTo"));
    }

    /**
     * The file is created or appended to ({@code O_WRONLY|O_CREAT|O_APPEND}); like a shell's
     * {@code >> file}.
     *
     * @param file the file to open, relative names against the JVM's working directory
     * @return the entry
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static ChildFD appendTo(Path file) {
        return new ChildFD(Kind.APPEND_TO, -1, file(file, "appendTo"));
    }

    /**
     * {@code /dev/null}, opened read-write: reads see end-of-file, writes vanish.
     *
     * @return the entry
     */
    public static ChildFD devNull() {
        return DEV_NULL;
    }

    /**
     * The same open file as child fd {@code otherChildFD} of the same map: {@code 2>&1} is
     * {@code childFD(2, sameAs(1))}. When the other entry is a pipe, both fds share that one pipe: the
     * parent sees one stream (under the other fd's number), interleaved as the child wrote it, and one
     * {@code childConnectionLost}. The other fd must be in the map and not itself a {@code sameAs}
     * chain that loops; {@link ProcessSpec.Builder#build()} checks both.
     *
     * @param otherChildFD the child fd (a key of the same map) whose open file this fd shares
     * @return the entry
     */
    public static ChildFD sameAs(int otherChildFD) {
        return new ChildFD(Kind.SAME_AS, otherChildFD, null);
    }

    private static Path file(Path file, String what) {
        if (file == null) throw new IllegalArgumentException(what + "(null): the file must not be null");
        return file;
    }

    /** {@return which kind of entry this is} */
    public Kind kind() {
        return kind;
    }

    /** {@return the parent fd an {@link Kind#INHERIT} entry copies; -1 for the other kinds} */
    public int parentFD() {
        return kind == Kind.INHERIT ? fd : -1;
    }

    /** {@return the child fd a {@link Kind#SAME_AS} entry shares; -1 for the other kinds} */
    public int sameAsFD() {
        return kind == Kind.SAME_AS ? fd : -1;
    }

    /**
     * {@return the file of a {@link Kind#READ_FROM}, {@link Kind#WRITE_TO} or {@link Kind#APPEND_TO}
     * entry; null otherwise}
     */
    public Path path() {
        return path;
    }

    /** {@return whether this is one of the two pipe kinds, {@link Kind#PARENT_READS} or {@link Kind#PARENT_WRITES}} */
    public boolean isPipe() {
        return kind == Kind.PARENT_READS || kind == Kind.PARENT_WRITES;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ChildFD)) return false;
        ChildFD c = (ChildFD) o;
        return c.kind == kind && c.fd == fd && Objects.equals(c.path, path);
    }

    @Override
    public int hashCode() {
        return (kind.hashCode() * 31 + fd) * 31 + Objects.hashCode(path);
    }

    /**
     * Twisted's notation for the first three ({@code 'r'}, {@code 'w'}, the parent fd), a shell's for
     * the rest: {@code < /in}, {@code > /out}, {@code >> /log}, {@code /dev/null}, {@code &1}; the
     * terminal is {@code pty}.
     */
    @Override
    public String toString() {
        switch (kind) {
            case PARENT_READS: return "'r'";
            case PARENT_WRITES: return "'w'";
            case INHERIT: return Integer.toString(fd);
            case READ_FROM: return "< " + path;
            case WRITE_TO: return "> " + path;
            case APPEND_TO: return ">> " + path;
            case DEV_NULL: return "/dev/null";
            case TERMINAL: return "pty";
            default: return "&" + fd;
        }
    }
}
