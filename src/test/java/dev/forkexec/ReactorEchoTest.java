package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.assertExited;
import static dev.forkexec.ReactorTestSupport.await;
import static dev.forkexec.ReactorTestSupport.sh;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Data reaches the child and comes back intact, argv[0] as given, many children at once (Twisted's
 * EchoProtocol & co). argv, environment and directory: {@link SharedBehavioursTest}, for every way.
 */
class ReactorEchoTest {
    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    /** Twisted's EchoProtocol payload: "1234567" * 1001, written 10 times = 70,070 bytes. */
    private static final byte[] CHUNK = "1234567".repeat(1001).getBytes(StandardCharsets.US_ASCII);
    private static final int TIMES = 10;

    private static byte[] expectedEcho() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < TIMES; i++) out.writeBytes(CHUNK);
        return out.toByteArray();
    }

    @Test
    void echoOf70070BytesThroughCatWithWrite() throws Exception {
        RecordingProtocol p = new RecordingProtocol().whenConnected((t, v) -> {
            for (int i = 0; i < TIMES; i++) t.write(CHUNK);
            t.closeStdin();
        });
        rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        assertExited(0, p.awaitEnded());
        assertEquals(70_070, p.count(1));
        assertArrayEquals(expectedEcho(), p.bytes(1));
        assertEquals(0, p.count(2));
        p.assertWellFormed();
    }

    @Test
    void echoOf70070BytesThroughCatWithWriteSequence() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess child = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        List<ByteBuffer> seq = new ArrayList<>();
        for (int i = 0; i < TIMES; i++) seq.add(ByteBuffer.wrap(CHUNK));
        child.writeSequence(seq);
        child.closeStdin();
        assertExited(0, p.awaitEnded());
        assertArrayEquals(expectedEcho(), p.bytes(1));
        p.assertWellFormed();
    }

    @Test
    void argvZeroIsPassedAsGiven() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        rt.reactor().spawnProcess(p, ProcessSpec.command("my-shell-name", "-c", "printf '%s' \"$0\"")
                .executable("/bin/sh").build());
        assertExited(0, p.awaitEnded());
        assertEquals("my-shell-name", p.string(1));
    }

    @Test
    void twentyFiveConcurrentChildrenOnOneReactor() throws Exception {
        int n = 25;
        Reactor reactor = rt.reactor();
        RecordingProtocol[] protocols = new RecordingProtocol[n];
        byte[][] inputs = new byte[n][];
        for (int i = 0; i < n; i++) {
            protocols[i] = new RecordingProtocol();
            byte[] input = ("payload-" + i + ";").repeat(1000 + 37 * i).getBytes(StandardCharsets.US_ASCII);
            inputs[i] = input;
            ChildProcess c = reactor.spawnProcess(protocols[i],
                    sh("printf 'child-%s:' \"$1\"; cat; printf 'err-%s' \"$1\" >&2; exit \"$2\"",
                            Integer.toString(i), Integer.toString(i % 7)).build());
            c.write(input);
        }
        for (int i = 0; i < n; i++) protocols[i].transport().closeStdin();
        for (int i = 0; i < n; i++) {
            assertExited(i % 7, protocols[i].awaitEnded());
            byte[] expected = concat(("child-" + i + ":").getBytes(StandardCharsets.US_ASCII), inputs[i]);
            assertArrayEquals(expected, protocols[i].bytes(1), "stdout of child " + i);
            assertEquals("err-" + i, protocols[i].string(2), "stderr of child " + i);
            protocols[i].assertWellFormed(Set.of(0, 1, 2));
        }
        // One reactor: one thread for everyone.
        Thread loop = protocols[0].reactorThread();
        for (RecordingProtocol p : protocols) assertEquals(loop, p.reactorThread());
    }

    @Test
    void stdoutAndStderrAreKeptApart() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        rt.reactor().spawnProcess(p, sh("printf out1; printf err1 >&2; printf out2; printf err2 >&2").build());
        assertExited(0, p.awaitEnded());
        assertEquals("out1out2", p.string(1));
        assertEquals("err1err2", p.string(2));
    }

    @Test
    void outputWrittenJustBeforeExitIsDelivered() throws Exception {
        // 200 KB more than the pipe holds, then exit at once: nothing may be lost.
        RecordingProtocol p = new RecordingProtocol();
        rt.reactor().spawnProcess(p, sh("head -c 200000 /dev/zero; printf END; exit 5").build());
        assertExited(5, p.awaitEnded());
        byte[] out = p.bytes(1);
        assertEquals(200_003, out.length);
        assertEquals("END", new String(Arrays.copyOfRange(out, 200_000, 200_003), StandardCharsets.US_ASCII));
    }

    @Test
    void defaultCallbacksRouteFdsToOutErrAndConnectionLost() throws Exception {
        StringBuffer log = new StringBuffer();
        CompletableFuture<Void> inLost = new CompletableFuture<>();
        CompletableFuture<Void> outLost = new CompletableFuture<>();
        CompletableFuture<Void> errLost = new CompletableFuture<>();
        ProcessProtocol p = new ProcessProtocol() {
            @Override
            public void outReceived(ByteBuffer data) {
                log.append("out:").append(StandardCharsets.UTF_8.decode(data)).append(';');
            }

            @Override
            public void errReceived(ByteBuffer data) {
                log.append("err:").append(StandardCharsets.UTF_8.decode(data)).append(';');
            }

            @Override
            public void inConnectionLost() {
                log.append("in-lost;");
                inLost.complete(null);
            }

            @Override
            public void outConnectionLost() {
                log.append("out-lost;");
                outLost.complete(null);
            }

            @Override
            public void errConnectionLost() {
                log.append("err-lost;");
                errLost.complete(null);
            }
        };
        // The child closes 0, then 1, then 2, each only after we saw the previous loss.
        ChildProcess c = rt.reactor().spawnProcess(p, sh("exec 0<&-; read x <&3; printf o; exec 1>&-; read x <&3; "
                + "printf e >&2; exec 2>&-; read x <&3; exit 0").childFD(3, ChildFD.parentWrites()).build());
        await(inLost);
        c.writeToChild(3, ByteBuffer.wrap("go\n".getBytes(StandardCharsets.US_ASCII)));
        await(outLost);
        c.writeToChild(3, ByteBuffer.wrap("go\n".getBytes(StandardCharsets.US_ASCII)));
        await(errLost);
        c.closeChildFD(3);
        assertExited(0, await(c.onExit()));
        assertEquals("in-lost;out:o;out-lost;err:e;err-lost;", log.toString());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
