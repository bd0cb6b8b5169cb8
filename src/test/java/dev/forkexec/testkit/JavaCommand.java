package dev.forkexec.testkit;

import dev.forkexec.Subprocess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The command line of every child JVM the tests start:
 * {@code java <SMALL_JVM_FLAGS> <jvm args> [-cp <class path>] [<main class>] <args>}, by default on
 * this JVM's own java and class path (the library's classes and the test classes). Free of JUnit.
 *
 * <pre>{@code
 * List<String> cmd = JavaCommand.main(ChildJvmMain.class, "mechanism").jvmArgs("-Dforkexec.spawn=auto").toList();
 * }</pre>
 *
 * The one deliberate exception is {@code NativeAccessIT}, which runs the exact command lines a user
 * types on JDK 22+ (see its comment).
 */
public final class JavaCommand {
    /**
     * A child JVM that starts quickly and small, and keeps a steady fd table: without
     * {@code -XX:-UseContainerSupport} the JVM's compiler threads re-read the cgroup memory limit at any
     * moment, which briefly holds an fd; that made before/after fd-table comparisons fail (1 run in
     * ~40) and could take a slot the EMFILE tests count on. {@code -XX:-UsePerfData}: no
     * {@code /tmp/hsperfdata_<user>} file. {@code --enable-native-access=ALL-UNNAMED}: the library is on
     * the class path, and JDK 24+ otherwise prints four WARNING lines on the child's stderr at its first
     * {@code System.load} (JDK 17 accepts the flag silently), as {@code bin/forkexec} passes it too.
     * A {@code -Xmx} among the jvm args overrides the 64 MiB here.
     */
    public static final List<String> SMALL_JVM_FLAGS = List.of("-XX:-UseContainerSupport", "-Xshare:auto",
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-XX:-UsePerfData",
            "--enable-native-access=ALL-UNNAMED");

    private String java = javaBin();
    private final List<String> jvmArgs = new ArrayList<>();
    private String classpath = classpath();
    private final String mainClass;
    private final List<String> args = new ArrayList<>();

    private JavaCommand(String mainClass) {
        this.mainClass = mainClass;
    }

    /** {@code java <flags> -cp <ours> <mainClass> args...}. */
    public static JavaCommand main(Class<?> mainClass, String... args) {
        return new JavaCommand(mainClass.getName()).args(args);
    }

    /**
     * {@code java <flags> args...}: no class path and no main class, for {@code -version} or
     * {@code -XshowSettings} (add {@link #classpath(String)} and the rest as jvm args and args).
     */
    public static JavaCommand withoutMain(String... args) {
        JavaCommand c = new JavaCommand(null).args(args);
        c.classpath = null;
        return c;
    }

    /** Another java executable than this JVM's. */
    public JavaCommand java(String javaExecutable) {
        this.java = javaExecutable;
        return this;
    }

    /** JVM options, after the small-JVM flags (so they win where they repeat one, e.g. {@code -Xmx1g}). */
    public JavaCommand jvmArgs(String... options) {
        return jvmArgs(Arrays.asList(options));
    }

    public JavaCommand jvmArgs(List<String> options) {
        jvmArgs.addAll(options);
        return this;
    }

    /** The class path ({@code :}-separated), instead of {@link #classpath()}. */
    public JavaCommand classpath(String cp) {
        this.classpath = cp;
        return this;
    }

    /** Arguments after the main class. */
    public JavaCommand args(String... more) {
        args.addAll(Arrays.asList(more));
        return this;
    }

    /** The command, an unmodifiable list. */
    public List<String> toList() {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(SMALL_JVM_FLAGS);
        cmd.addAll(jvmArgs);
        if (classpath != null) cmd.addAll(List.of("-cp", classpath));
        if (mainClass != null) cmd.add(mainClass);
        cmd.addAll(args);
        return Collections.unmodifiableList(cmd);
    }

    @Override
    public String toString() {
        return String.join(" ", toList());
    }

    // ------------------------------------------------------------------ this JVM's java and classes

    /** This JVM's java executable. */
    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The directories (or jars) holding forkexec's classes and the test classes, this JVM's copies. */
    public static List<Path> classRoots() {
        try {
            return List.of(Path.of(Subprocess.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                    Path.of(JavaCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #classRoots()} as a class path. */
    public static String classpath() {
        List<String> parts = new ArrayList<>();
        for (Path p : classRoots()) parts.add(p.toString());
        return String.join(":", parts);
    }

    /**
     * Copies the class roots into {@code into} (directories rwxr-xr-x, files rw-r--r--) and returns
     * their class path: for a child JVM run as another user, who may not enter the checkout (e.g. one
     * under {@code /root}).
     */
    public static String copyClasspath(Path into) throws IOException {
        List<String> parts = new ArrayList<>();
        int i = 0;
        for (Path root : classRoots()) {
            Path dst = into.resolve("cp" + i++);
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Path d = dst.resolve(root.relativize(dir).toString());
                    Files.createDirectories(d);
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Path f = dst.resolve(root.relativize(file).toString());
                    Files.copy(file, f);
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
                    return FileVisitResult.CONTINUE;
                }
            });
            parts.add(dst.toString());
        }
        return String.join(":", parts);
    }
}
