package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension that captures what the library logs during one test, so a test whose callbacks
 * throw on purpose can assert on the log lines instead of printing them (a green run prints no stack
 * traces). The library logs through {@link System.Logger}, which goes to java.util.logging by
 * default; this installs a handler on the {@code dev.forkexec} logger, the parent of every logger
 * the library uses, and stops those records from reaching the console while the test runs.
 *
 * <p>Register it before the {@link ReactorTestSupport} so it is removed after the reactors are
 * closed (a close may still log):
 * <pre>{@code
 * @RegisterExtension @Order(1) final CapturedLogs logs = new CapturedLogs();
 * @RegisterExtension @Order(2) final ReactorTestSupport rt = new ReactorTestSupport();
 * }</pre>
 *
 * <p>A test claims the records it expects with {@link #expect} or {@link #expectAll}; whatever it did
 * not claim is printed to the console after the test, so an unexpected log stays visible.
 */
final class CapturedLogs implements BeforeEachCallback, AfterEachCallback {
    static final String LOGGER = "dev.forkexec";

    /** Held strongly: java.util.logging keeps only weak references to its loggers. */
    private final Logger logger = Logger.getLogger(LOGGER);
    private final List<LogRecord> unclaimed = new ArrayList<>(); // guarded by itself
    private boolean useParentHandlers;

    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (unclaimed) {
                unclaimed.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @Override
    public void beforeEach(ExtensionContext context) {
        synchronized (unclaimed) {
            unclaimed.clear();
        }
        useParentHandlers = logger.getUseParentHandlers();
        logger.addHandler(handler);
        logger.setUseParentHandlers(false);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(useParentHandlers);
        List<LogRecord> left;
        synchronized (unclaimed) {
            left = new ArrayList<>(unclaimed);
            unclaimed.clear();
        }
        for (LogRecord r : left) {
            for (Logger l = logger; l != null; l = l.getUseParentHandlers() ? l.getParent() : null) {
                for (Handler h : l.getHandlers()) h.publish(r);
            }
        }
    }

    /**
     * Claims the one unclaimed record at {@code level} whose message contains every fragment; fails
     * unless there is exactly one.
     */
    LogRecord expect(Level level, String... fragments) {
        List<LogRecord> hits = expectAll(level, fragments);
        assertEquals(1, hits.size(), () -> "records at " + level + " containing " + Arrays.toString(fragments)
                + ": " + describe(hits));
        return hits.get(0);
    }

    /**
     * Claims every unclaimed record at {@code level} whose message contains every fragment; fails
     * if there is none.
     */
    List<LogRecord> expectAll(Level level, String... fragments) {
        List<LogRecord> hits = new ArrayList<>();
        synchronized (unclaimed) {
            for (LogRecord r : unclaimed) {
                if (r.getLevel().equals(level) && containsAll(r.getMessage(), fragments)) hits.add(r);
            }
            unclaimed.removeAll(hits);
            if (hits.isEmpty()) {
                fail("no record at " + level + " containing " + Arrays.toString(fragments) + "; unclaimed: "
                        + describe(unclaimed));
            }
        }
        return hits;
    }

    /** The records not claimed yet. */
    List<LogRecord> unclaimed() {
        synchronized (unclaimed) {
            return new ArrayList<>(unclaimed);
        }
    }

    private static boolean containsAll(String message, String... fragments) {
        if (message == null) return false;
        for (String f : fragments) {
            if (!message.contains(f)) return false;
        }
        return true;
    }

    static String describe(List<LogRecord> records) {
        return records.stream().map(r -> (CharSequence) (r.getLevel() + " " + r.getMessage()
                + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]"))).collect(Collectors.joining("; ", "[", "]"));
    }
}
