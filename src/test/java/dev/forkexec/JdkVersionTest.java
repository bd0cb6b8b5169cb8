package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkexec.testkit.JavaCommand;
import java.io.DataInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The library is Java 17 bytecode whichever JDK built it, and a run that asked for a JDK
 * ({@code -Dforkexec.expect.jdk=25}, as .ci/run's second pass does) really ran the tests, and the child
 * JVMs the tests start, on that JDK.
 */
class JdkVersionTest {
    private static final int JAVA_17_CLASS_FILE = 61;

    @Test
    void libraryClassesAreJava17Bytecode() throws Exception {
        for (Class<?> c : List.of(Subprocess.class, dev.forkexec.internal.NativeLibrary.class)) {
            try (InputStream raw = c.getResourceAsStream(c.getSimpleName() + ".class");
                 DataInputStream in = new DataInputStream(raw)) {
                assertEquals(0xCAFEBABE, in.readInt());
                in.readUnsignedShort(); // minor
                assertEquals(JAVA_17_CLASS_FILE, in.readUnsignedShort(), c + " class file version");
            }
        }
    }

    private static int expected() {
        String expect = System.getProperty("forkexec.expect.jdk", "");
        Assumptions.assumeFalse(expect.isEmpty(), "no -Dforkexec.expect.jdk: any JDK will do");
        return Integer.parseInt(expect);
    }

    @Test
    void testJvmIsTheExpectedJdk() {
        assertEquals(expected(), Runtime.version().feature(), System.getProperty("java.home"));
    }

    @Test
    void childJvmsOfTheTestsAreTheExpectedJdk() throws Exception {
        int expected = expected();
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(JavaCommand.withoutMain("-XshowSettings:properties",
                "-version").toList()).childFDs(Map.of(2, ChildFD.parentReads())).build());
        String spec = r.err().replaceFirst("(?s).*java\\.specification\\.version = (\\d+).*", "$1");
        assertEquals(String.valueOf(expected), spec, r.err());
    }
}
