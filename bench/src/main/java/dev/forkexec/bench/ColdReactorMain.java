package dev.forkexec.bench;

import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessProtocol;
import dev.forkexec.ProcessSpec;
import dev.forkexec.Reactor;
import java.util.Map;

/** Scenario 7, forkexec Reactor: create a reactor, spawn {@code /bin/true}, wait for it, close. */
public final class ColdReactorMain {
    private ColdReactorMain() {}

    public static void main(String[] args) throws Exception {
        try (Reactor reactor = Reactor.create()) {
            ExitStatus status = reactor.spawnProcess(new ProcessProtocol() {}, ProcessSpec.command("/bin/true")
                    .childFDs(Map.of()).build()).onExit().get();
            if (!status.isSuccess()) System.exit(1);
        }
    }
}
