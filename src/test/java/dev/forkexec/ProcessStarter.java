package dev.forkexec;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * One way to turn {@link ProcessBuilder}s into running {@link Process}es: the JDK's own
 * ({@code pb.start()}, {@code ProcessBuilder.startPipeline}) or forkexec's ({@code Processes.start(pb)},
 * {@code Processes.startPipeline}). {@link ProcessesParityTest} runs every scenario through both.
 *
 * <p>{@code dev.forkexec.Processes} is looked up reflectively, so the test sources compile before the class
 * exists; once it is on the class path the forkexec starter is simply {@linkplain #available() available}
 * and nothing here needs editing. Free of JUnit, so the child JVMs of the parity suite use it too.
 */
interface ProcessStarter {
    /** "jdk" or "forkexec": the display name of a parameterised test's arm. */
    String name();

    /** Whether this starter is the oracle. */
    boolean isJdk();

    /** Whether this starter can run here (the forkexec one: whether {@code dev.forkexec.Processes} exists). */
    boolean available();

    /** Why it cannot run, when it cannot. */
    String unavailableReason();

    Process start(ProcessBuilder builder) throws IOException;

    List<Process> startPipeline(List<ProcessBuilder> builders) throws IOException;

    ProcessStarter JDK = new ProcessStarter() {
        @Override
        public String name() {
            return "jdk";
        }

        @Override
        public boolean isJdk() {
            return true;
        }

        @Override
        public boolean available() {
            return true;
        }

        @Override
        public String unavailableReason() {
            return "";
        }

        @Override
        public Process start(ProcessBuilder builder) throws IOException {
            return builder.start();
        }

        @Override
        public List<Process> startPipeline(List<ProcessBuilder> builders) throws IOException {
            return ProcessBuilder.startPipeline(builders);
        }

        @Override
        public String toString() {
            return name();
        }
    };

    ProcessStarter FORKEXEC = new Forkexec();

    static ProcessStarter byName(String name) {
        switch (name) {
            case "jdk":
                return JDK;
            case "forkexec":
                return FORKEXEC;
            default:
                throw new IllegalArgumentException("no starter named " + name);
        }
    }

    /** {@code dev.forkexec.Processes}, called through reflection; exceptions come out unwrapped. */
    final class Forkexec implements ProcessStarter {
        static final String CLASS = "dev.forkexec.Processes";
        static final String NOT_BUILT = CLASS + " not built yet";

        private volatile Method start;
        private volatile Method startPipeline;
        private volatile boolean looked;

        private Forkexec() {}

        @Override
        public String name() {
            return "forkexec";
        }

        @Override
        public boolean isJdk() {
            return false;
        }

        private synchronized void lookUp() {
            if (looked) return;
            looked = true;
            Class<?> c;
            try {
                c = Class.forName(CLASS);
            } catch (ClassNotFoundException notYet) {
                return;
            }
            // The class exists: from here on a missing or misdeclared method is an error, not a skip.
            try {
                Method s = c.getMethod("start", ProcessBuilder.class);
                Method p = c.getMethod("startPipeline", List.class);
                for (Method m : List.of(s, p)) {
                    if (!Modifier.isStatic(m.getModifiers())) throw new IllegalStateException(m + " is not static");
                }
                start = s;
                startPipeline = p;
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(CLASS + " exists but lacks the contract's methods", e);
            }
        }

        @Override
        public boolean available() {
            lookUp();
            return start != null;
        }

        @Override
        public String unavailableReason() {
            return available() ? "" : NOT_BUILT;
        }

        @Override
        public Process start(ProcessBuilder builder) throws IOException {
            return (Process) call(start, builder);
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<Process> startPipeline(List<ProcessBuilder> builders) throws IOException {
            return (List<Process>) call(startPipeline, builders);
        }

        private Object call(Method m, Object arg) throws IOException {
            if (!available()) throw new IllegalStateException(NOT_BUILT);
            try {
                return m.invoke(null, arg);
            } catch (InvocationTargetException e) {
                Throwable t = e.getCause();
                if (t instanceof IOException) throw (IOException) t;
                if (t instanceof RuntimeException) throw (RuntimeException) t;
                if (t instanceof Error) throw (Error) t;
                throw new IllegalStateException("undeclared checked exception from " + m, t);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(m + " is not accessible", e);
            }
        }

        @Override
        public String toString() {
            return name();
        }
    }
}
