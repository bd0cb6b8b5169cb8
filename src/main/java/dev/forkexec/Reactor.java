package dev.forkexec;

import dev.forkexec.internal.NativeEpoll;
import dev.forkexec.internal.NativeFd;
import dev.forkexec.internal.NativeNames;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An event loop that runs children for {@link ProcessProtocol}s (Twisted's
 * {@code reactor.spawnProcess}). One thread per reactor waits in {@code epoll_wait} on every
 * child's pipes and pidfd, plus an eventfd other threads use to wake it: no thread per child, no
 * timer polling {@code waitpid}.
 *
 * <pre>{@code
 * try (Reactor reactor = Reactor.create()) {
 *     ByteArrayOutputStream out = new ByteArrayOutputStream();
 *     ChildProcess p = reactor.spawnProcess(new ProcessProtocol() {
 *         public void outReceived(ByteBuffer data) {   // valid only during the call: copy what you keep
 *             byte[] chunk = new byte[data.remaining()];
 *             data.get(chunk);
 *             out.write(chunk, 0, chunk.length);
 *         }
 *     }, ProcessSpec.command("echo", "hello").build());
 *     ExitStatus status = p.onExit().join();
 *     // Decode once, at the end: a UTF-8 character may be split between two reads.
 *     System.out.println(out.toString(StandardCharsets.UTF_8) + status);
 * }
 * }</pre>
 *
 * <p>The thread is a daemon named {@code forkexec-reactor-N}. {@link #close()} SIGKILLs every live
 * child, reaps it, delivers its {@code processEnded}, then ends the thread; later spawns throw
 * {@link IllegalStateException}. Children are reaped only through their pidfds, so children started
 * by {@link ProcessBuilder} or other libraries in the same JVM keep their exit statuses.
 *
 * <p>Whatever a callback or producer throws on the reactor thread, an {@link Error} such as a
 * {@link StackOverflowError} or {@link OutOfMemoryError} included, is logged ({@link System.Logger},
 * named {@code dev.forkexec.Reactor}) and the loop goes on serving every child. Should the thread die
 * anyway (an error in the reactor's own work), it first kills, reaps and ends every live child
 * (each protocol still gets its {@code processEnded}; each {@code onExit()} completes exceptionally
 * with the cause), and from then on {@link #spawnProcess} throws {@link IllegalStateException}
 * naming the cause.
 */
public final class Reactor implements AutoCloseable {
    /** Bytes read per read(2); one buffer per reactor, lent to childDataReceived. */
    static final int READ_BUFFER_SIZE = 64 * 1024;
    /** Queued stdin bytes above which a streaming producer is paused. */
    static final int HIGH_WATER_MARK = 64 * 1024;
    private static final long WAKE_TOKEN = 0;
    private static final int MAX_EVENTS = 256;
    /** A calling thread's loop ({@link #onCallingThread}) serves one child: a few events per wait are enough. */
    private static final int CALLER_MAX_EVENTS = 8;
    /** How long a calling thread's loop sleeps at most before it looks at its interrupt status again. */
    private static final int CALLER_SLICE_MILLIS = 100;
    /** Read buffers and write chunks shared by the calling threads' loops, so that a run allocates neither. */
    private static final ConcurrentLinkedQueue<ByteBuffer> SPARE_READ_BUFFERS = new ConcurrentLinkedQueue<>();
    private static final int MAX_SPARE_READ_BUFFERS = 16;
    private static final ChunkPool CALLER_CHUNKS = new ChunkPool(16);
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** Something registered in the poll set. */
    interface Handler {
        void ready(int events);
    }

    private final int epfd;
    private final int wakefd;
    private final Thread thread;
    /** No thread of its own: the thread that created it runs it, in {@link #runUntil} and {@link #close()}. */
    private final boolean callerDriven;
    /** Caller-driven only, loop thread only: an interrupt of the calling thread seen (and cleared) in the loop. */
    private boolean interruptSeen;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    /** Held while signalling wakefd and while closing it, so no signal lands on a reused fd number. */
    private final Object wakeLock = new Object();
    private final Set<ChildProcess> live = ConcurrentHashMap.newKeySet();
    private final Object lifecycle = new Object();
    private boolean closing; // guarded by lifecycle
    private Throwable death; // guarded by lifecycle: what ended the loop thread, if it died
    private int pendingSpawns; // guarded by lifecycle
    private volatile boolean terminated;
    /** Loop thread only: inside turn(), where a caller-driven close() must not run the loop again. */
    private boolean inTurn;
    /** Set while this thread is inside spawnProcess, so close() from connectionMade cannot wait on itself. */
    private final ThreadLocal<Boolean> spawning;
    /** Caller-driven only (one thread): inside spawnProcess, as {@link #spawning} is for a threaded reactor. */
    private boolean callerSpawning;

    /** Chunks for every child's write queue (any thread); 64 free ones (4 MiB) at most are kept between bursts. */
    private final ChunkPool chunkPool;

    // Loop thread only.
    private final Map<Long, Handler> handlers = new HashMap<>();
    private final PriorityQueue<DelayedCall> timers = new PriorityQueue<>(Comparator.comparingLong(c -> c.deadline));
    private final ByteBuffer readBuffer;
    private long[] tokens;
    private int[] events;
    // Caller-driven only: the poll set, as parallel arrays (fd, interest, token, what poll(2) saw).
    private int pollCount;
    private int[] pollFds;
    private int[] pollEvents;
    private long[] pollTokens;
    private int[] pollRevents;
    private long nextToken = WAKE_TOKEN + 1;

    private Reactor(boolean callerDriven) {
        if (callerDriven) {
            // No epoll fd: the poll set is kept here and waited on with poll(2) (see pollControl).
            // No eventfd: only the calling thread feeds this loop, and a task that another thread
            // might queue still runs within a slice (CALLER_SLICE_MILLIS).
            this.epfd = -1;
            this.wakefd = -1;
            this.callerDriven = true;
            ByteBuffer spare = SPARE_READ_BUFFERS.poll();
            this.readBuffer = spare != null ? spare : ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
            this.chunkPool = CALLER_CHUNKS;
            this.tokens = new long[CALLER_MAX_EVENTS];
            this.events = new int[CALLER_MAX_EVENTS];
            this.pollFds = new int[CALLER_MAX_EVENTS];
            this.pollEvents = new int[CALLER_MAX_EVENTS];
            this.pollTokens = new long[CALLER_MAX_EVENTS];
            this.pollRevents = new int[CALLER_MAX_EVENTS];
            this.thread = Thread.currentThread();
            this.spawning = null;
            return;
        }
        int ep = NativeEpoll.create();
        if (ep < 0) throw new IllegalStateException("epoll_create1 failed: " + NativeNames.errnoText(-ep));
        int wake = NativeEpoll.eventfd();
        if (wake < 0) {
            NativeFd.close(ep);
            throw new IllegalStateException("eventfd failed: " + NativeNames.errnoText(-wake));
        }
        int err = NativeEpoll.ctl(ep, NativeEpoll.CTL_ADD, wake, NativeEpoll.EPOLLIN, WAKE_TOKEN);
        if (err != 0) {
            NativeFd.close(ep);
            NativeFd.close(wake);
            throw new IllegalStateException("epoll_ctl on the eventfd failed: " + NativeNames.errnoText(err));
        }
        this.epfd = ep;
        this.wakefd = wake;
        this.callerDriven = false;
        this.readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
        this.chunkPool = new ChunkPool(64);
        this.tokens = new long[MAX_EVENTS];
        this.events = new int[MAX_EVENTS];
        this.thread = new Thread(this::loop, "forkexec-reactor-" + NAMES.incrementAndGet());
        thread.setDaemon(true);
        this.spawning = ThreadLocal.withInitial(() -> false);
    }

    private void setSpawning(boolean on) {
        if (callerDriven) {
            callerSpawning = on;
        } else {
            spawning.set(on);
        }
    }

    /**
     * Starts a new event loop with its own poll thread. Each reactor holds an epoll fd, an eventfd
     * and a thread until {@link #close()}; one reactor can serve thousands of children.
     *
     * @return the running reactor
     * @throws IllegalStateException if the epoll fd or the eventfd cannot be created (out of fds)
     */
    public static Reactor create() {
        Reactor r = new Reactor(false);
        r.thread.start();
        return r;
    }

    /**
     * A reactor without a thread of its own, for one blocking call ({@code Command.run()}): the
     * calling thread, which would only wait anyway, runs the loop in {@link #runUntil} and
     * {@link #close()}, so the child's exit wakes the very thread that waits for it, with no hand-off
     * between threads. It holds no fd of its own: its poll set is a few entries kept here and waited
     * on with poll(2), which for one child costs fewer syscalls than an epoll instance would (no
     * epoll_create1, no epoll_ctl per fd, no close). Only the creating thread may spawn on it, run it
     * and close it.
     */
    static Reactor onCallingThread() {
        return new Reactor(true);
    }

    /**
     * Caller-driven only: runs the loop on this thread until {@code done} completes or the thread is
     * interrupted. The loop's epoll wait cannot see an interrupt, so it sleeps at most
     * {@value #CALLER_SLICE_MILLIS} ms at a time and looks between sleeps.
     *
     * @return true if the thread was interrupted (its interrupt status is cleared then), false once
     *     {@code done} is complete or the loop has nothing left to do
     * @throws Error or RuntimeException what broke the loop itself (not a callback's failure, which is
     *     logged as on any reactor), once every child has been killed, reaped and ended
     */
    boolean runUntil(java.util.concurrent.Future<?> done) {
        if (!callerDriven || !inLoop()) throw new IllegalStateException("runUntil is for the thread that created a caller-driven reactor");
        try {
            while (!done.isDone() && !interruptSeen && turn(CALLER_SLICE_MILLIS)) {
                // one pass per wake-up, as on a reactor thread
            }
            boolean interrupted = interruptSeen;
            interruptSeen = false;
            return interrupted;
        } catch (Throwable t) {
            died(t);
            release();
            if (t instanceof Error e) throw e;
            if (t instanceof RuntimeException e) throw e;
            throw new IllegalStateException("the reactor's loop failed", t);
        }
    }

    /**
     * Starts a child for {@code protocol}. Returns once the child has exec'd; an exec failure (missing
     * file, no permission, bad directory, failed setuid, ...) throws {@link SpawnException} here, and
     * then the protocol is never called and nothing is left behind. {@code connectionMade} runs on
     * this thread before this method returns; every later callback runs on the reactor's thread.
     *
     * <p>An exception thrown by {@code connectionMade} is logged and the child runs on, as for any
     * callback. An {@link Error} thrown by it (a {@link StackOverflowError}, say) comes out of this
     * method instead, once the child has been killed and reaped and its pipes closed; the protocol
     * then gets no other callback.
     *
     * @param protocol receives this child's callbacks
     * @param spec what to start
     * @return the running child, the same transport {@code connectionMade} received
     * @throws SpawnException if a step of the spawn failed; the protocol is never called
     * @throws IllegalStateException once {@link #close()} has begun, or the reactor's thread died
     *     (the exception's cause is what ended it)
     */
    public ChildProcess spawnProcess(ProcessProtocol protocol, ProcessSpec spec) throws SpawnException {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(spec, "spec");
        synchronized (lifecycle) {
            if (death != null) throw dead();
            if (closing) throw new IllegalStateException("this Reactor is closed; create a new one to spawn");
            pendingSpawns++;
        }
        setSpawning(true);
        try {
            ChildProcess child = new ChildProcess(this, Subprocess.startForReactor(spec), protocol);
            child.connectionMade(); // an Error: the child is discarded and the Error thrown on from here
            IllegalStateException dead = null;
            synchronized (lifecycle) {
                // Added only now, so a loop that dies meanwhile either ends the child itself (it is in
                // live) or leaves it to us (death is set).
                if (death != null) {
                    dead = dead();
                } else {
                    live.add(child);
                }
            }
            if (dead != null) {
                child.discard(dead);
                throw dead;
            }
            child.start();
            return child;
        } finally {
            setSpawning(false);
            synchronized (lifecycle) {
                pendingSpawns--;
            }
            wake(); // another thread's spawn may have made the loop finished (close() waits for it)
        }
    }

    /**
     * SIGKILLs every live child, reaps it, delivers its {@code processEnded}, then stops the thread.
     * Blocks until that is done, unless called from a callback (then it returns at once and the loop
     * finishes the work after the callback). Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!closing) {
                closing = true;
                execute(this::killAll);
            }
        }
        if (callerDriven) {
            if (inLoop() && !terminated && !callerSpawning && !inTurn) finishOnCallingThread();
            return;
        }
        if (Thread.currentThread() == thread || spawning.get()) return;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * Runs {@code task} on the reactor's thread once {@code delay} has passed (Twisted's
     * {@code reactor.callLater}): a timeout, a retry, a grace period, without a thread of its own.
     * Safe from any thread. What the task throws is logged, like a callback's. Calls still pending
     * when the reactor closes are dropped.
     *
     * @param delay how long to wait, zero or more
     * @param task what to run
     * @return the pending call, to cancel it
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException once {@link #close()} has begun
     */
    public DelayedCall callLater(Duration delay, Runnable task) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(task, "task");
        if (delay.isNegative()) throw new IllegalArgumentException("delay must not be negative, was " + delay);
        long nanos;
        try {
            nanos = delay.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 4; // centuries: never, in practice
        }
        DelayedCall call = new DelayedCall(System.nanoTime() + Math.min(nanos, Long.MAX_VALUE / 4), task);
        synchronized (lifecycle) {
            if (closing) throw new IllegalStateException("this Reactor is closed; create a new one to schedule calls");
        }
        execute(() -> timers.add(call));
        return call;
    }

    /**
     * Runs {@code task} on the reactor's thread as soon as it is free (Twisted's
     * {@code reactor.callFromThread}): the way for other threads to touch state that the protocols'
     * callbacks own, without a lock. Safe from any thread; tasks run in call order. What the task
     * throws is logged, like a callback's.
     *
     * @param task what to run
     * @throws IllegalStateException once {@link #close()} has begun
     */
    public void callFromThread(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (lifecycle) {
            if (closing) throw new IllegalStateException("this Reactor is closed; create a new one to run tasks on it");
        }
        execute(() -> contained("a callFromThread task", task));
    }

    /** A call scheduled by {@link #callLater}; cancel it while it is pending. */
    public static final class DelayedCall {
        private final long deadline;
        private final Runnable task;
        /** 0 pending, 1 ran (or is running), 2 cancelled. */
        private final AtomicInteger state = new AtomicInteger();

        private DelayedCall(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        /**
         * Stops a pending call.
         *
         * @return true if it was pending; false if it already ran (or is running) or was cancelled
         */
        public boolean cancel() {
            return state.compareAndSet(0, 2);
        }

        /** {@return whether the call is still pending: neither run nor cancelled} */
        public boolean isActive() {
            return state.get() == 0;
        }
    }

    /** {@return whether {@link #close()} has begun, or the reactor's thread died} */
    public boolean isClosed() {
        synchronized (lifecycle) {
            return closing;
        }
    }

    @Override
    public String toString() {
        return "Reactor[" + thread.getName() + ", " + live.size() + " live" + (isClosed() ? ", closed" : "") + "]";
    }

    // ------------------------------------------------------------ used by ChildProcess

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread, after whatever is running there now. */
    void execute(Runnable task) {
        if (terminated) return; // every child has ended; nothing is left to do
        tasks.add(task);
        wake();
    }

    /**
     * Signals the eventfd, from another thread. The loop thread itself is inside a turn, and its next
     * turn runs the queued tasks and checks whether it is finished: signalling would only cost a write,
     * an epoll_wait and a read (per child, for spawns from callbacks).
     */
    private void wake() {
        if (wakefd < 0) return; // caller-driven: see the constructor
        if (inLoop()) return;
        if (wakePending.compareAndSet(false, true)) {
            synchronized (wakeLock) {
                // Once the loop has ended, wakefd is closed and its number may belong to another file.
                if (!terminated) NativeEpoll.signal(wakefd);
            }
        }
    }

    long register(Handler handler) {
        long token = nextToken++;
        handlers.put(token, handler);
        return token;
    }

    void unregister(long token) {
        handlers.remove(token);
    }

    /** epoll_ctl; a failure here is a bug in the bookkeeping, never the user's doing. */
    void control(int op, int fd, int events, long token) {
        if (callerDriven) {
            pollControl(op, fd, events, token);
            return;
        }
        int err = NativeEpoll.ctl(epfd, op, fd, events, token);
        if (err != 0) {
            throw new IllegalStateException("epoll_ctl(op " + op + ", fd " + fd + ") failed: " + NativeNames.errnoText(err));
        }
    }

    /**
     * Caller-driven: epoll_ctl's bookkeeping on the poll set kept here, with epoll's errors for the
     * same mistakes (ADD of an fd already in it, MOD or DEL of one that is not).
     */
    private void pollControl(int op, int fd, int interest, long token) {
        int i = 0;
        while (i < pollCount && pollFds[i] != fd) i++;
        boolean present = i < pollCount;
        if (op == NativeEpoll.CTL_ADD ? present : !present) {
            throw new IllegalStateException("poll set op " + op + " on fd " + fd + " failed: "
                    + (present ? "already in the set" : "not in the set"));
        }
        if (op == NativeEpoll.CTL_DEL) {
            pollCount--;
            pollFds[i] = pollFds[pollCount];
            pollEvents[i] = pollEvents[pollCount];
            pollTokens[i] = pollTokens[pollCount];
            return;
        }
        if (op == NativeEpoll.CTL_ADD) {
            if (pollCount == pollFds.length) {
                int n = pollCount * 2;
                pollFds = java.util.Arrays.copyOf(pollFds, n);
                pollEvents = java.util.Arrays.copyOf(pollEvents, n);
                pollTokens = java.util.Arrays.copyOf(pollTokens, n);
                pollRevents = java.util.Arrays.copyOf(pollRevents, n);
                tokens = new long[n];
                events = new int[n];
            }
            pollFds[i] = fd;
            pollCount++;
        }
        pollEvents[i] = interest;
        pollTokens[i] = token;
    }

    /** Caller-driven: one poll(2) of the set, its ready entries copied out as epoll_wait would give them. */
    private int pollWait(int timeoutMillis) {
        int n = NativeEpoll.poll(pollFds, pollEvents, pollRevents, pollCount, timeoutMillis);
        if (n <= 0) return n;
        int k = 0;
        for (int i = 0; i < pollCount; i++) {
            if (pollRevents[i] != 0) {
                tokens[k] = pollTokens[i];
                events[k] = pollRevents[i];
                k++;
            }
        }
        return k;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    ChunkPool chunkPool() {
        return chunkPool;
    }

    boolean closing() {
        synchronized (lifecycle) {
            return closing;
        }
    }

    void ended(ChildProcess child) {
        live.remove(child);
    }

    // ------------------------------------------------------------ the loop

    /** The reactor thread's body. */
    private void loop() {
        try {
            while (turn(-1)) {
                // one pass per wake-up
            }
        } catch (Throwable t) {
            // Not rethrown, a VirtualMachineError neither: the thread ends either way, and rethrowing
            // would only print it a second time through the uncaught-exception handler. The JVM's
            // own out-of-memory policies (-XX:+ExitOnOutOfMemoryError, heap dumps) act where an
            // error is raised, not where it is caught.
            died(t);
        } finally {
            release();
        }
    }

    /** Caller-driven close(): the calling thread runs the loop until every child has ended, then frees it. */
    private void finishOnCallingThread() {
        try {
            while (turn(CALLER_SLICE_MILLIS)) {
                // killAll is queued: each child is SIGKILLed, reaped and ended
            }
        } catch (Throwable t) {
            died(t);
            throw t;
        } finally {
            release();
            if (interruptSeen) {
                interruptSeen = false;
                Thread.currentThread().interrupt(); // not ours to swallow: the caller sees it after close()
            }
        }
    }

    /**
     * One pass of the loop: the queued tasks, one epoll wait (at most {@code capMillis} when that is
     * not -1), its events, the due timers.
     *
     * @return false once the reactor is finished (closing, no child, no task left)
     */
    private boolean turn(int capMillis) {
        clearInterrupt(); // an interrupt would close the FileChannel a read or write uses
        inTurn = true;
        try {
            runTasks();
            if (finished()) return false;
            int wait = tasks.isEmpty() ? timeoutMillis() : 0;
            if (capMillis >= 0 && (wait < 0 || wait > capMillis)) wait = capMillis;
            int n = callerDriven ? pollWait(wait) : NativeEpoll.await(epfd, tokens, events, wait);
            if (n < 0) throw new IllegalStateException((callerDriven ? "poll" : "epoll_wait") + " failed: " + NativeNames.errnoText(-n));
            for (int i = 0; i < n; i++) {
                if (tokens[i] == WAKE_TOKEN) {
                    // Drain first, then clear: a wake() between the two finds wakePending still
                    // set and skips the signal, but its task is already queued and runTasks()
                    // runs next. The other order loses that signal and leaves wakePending stuck.
                    NativeEpoll.drain(wakefd);
                    wakePending.set(false);
                    continue;
                }
                Handler h = handlers.get(tokens[i]);
                if (h == null) continue; // closed earlier in this batch
                try {
                    h.ready(events[i]);
                } catch (RuntimeException e) {
                    Log.logger().log(Level.ERROR, "forkexec reactor: handling an event failed", e);
                }
            }
            runTimers();
            return true;
        } finally {
            inTurn = false;
        }
    }

    /**
     * Loop thread: clears the interrupt status, which would make the next read or write close its
     * FileChannel. A caller-driven loop remembers it, since it is the caller's to act on.
     */
    void clearInterrupt() {
        if (Thread.interrupted() && callerDriven) interruptSeen = true;
    }

    /** The loop is over: its fds are closed (under wakeLock, so no wake() lands on a reused number). */
    private void release() {
        synchronized (wakeLock) {
            if (terminated) return;
            terminated = true;
            if (epfd >= 0) NativeFd.close(epfd);
            if (wakefd >= 0) NativeFd.close(wakefd);
        }
        if (callerDriven && SPARE_READ_BUFFERS.size() < MAX_SPARE_READ_BUFFERS) SPARE_READ_BUFFERS.add(readBuffer.clear());
    }

    /** How long epoll may sleep: until the earliest pending timer, or for ever. */
    private int timeoutMillis() {
        DelayedCall next;
        while ((next = timers.peek()) != null && !next.isActive()) timers.poll();
        if (next == null) return -1;
        long left = next.deadline - System.nanoTime();
        if (left <= 0) return 0;
        return (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
    }

    private void runTimers() {
        long now = System.nanoTime();
        DelayedCall next;
        while ((next = timers.peek()) != null && next.deadline - now <= 0) {
            timers.poll();
            if (next.state.compareAndSet(0, 1)) contained("a callLater task", next.task); // else cancelled
        }
    }

    /** Runs a user's task on the loop: whatever it throws, an Error too, is logged and the loop goes on. */
    private void contained(String what, Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            try {
                Log.logger().log(Level.ERROR, "forkexec reactor: " + what + " threw; the reactor goes on", t);
            } catch (Throwable logFailed) {
                // out of memory again, say: the loop matters more than the log line
            }
        } finally {
            clearInterrupt(); // a task that interrupted the loop must not make a read close a pipe
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                Log.logger().log(Level.ERROR, "forkexec reactor: a task failed", e);
            }
        }
    }

    /** Guarded by lifecycle: what spawnProcess throws once the loop thread died. */
    private IllegalStateException dead() {
        return new IllegalStateException("this Reactor's thread died of " + death
                + "; its children were killed; create a new Reactor to spawn", death);
    }

    /**
     * The loop thread is dying of {@code cause}: no child may be left running, unreaped or waited on.
     * From here on spawnProcess refuses; each live child is killed, reaped, closed and ended on this
     * thread, without the poll set. Each step guards itself, since the same trouble may strike again.
     */
    private void died(Throwable cause) {
        List<ChildProcess> children;
        synchronized (lifecycle) {
            death = cause;
            closing = true;
            children = new ArrayList<>(live);
        }
        try {
            Log.logger().log(Level.ERROR, "forkexec reactor: the loop thread stopped on an unexpected error; killing, reaping"
                    + " and ending its " + children.size() + (children.size() == 1 ? " child" : " children"), cause);
        } catch (Throwable logFailed) {
            // ending the children matters more than the log line
        }
        for (ChildProcess c : children) {
            try {
                c.abandon(cause);
            } catch (Throwable t) {
                try {
                    Log.logger().log(Level.ERROR, "forkexec reactor: could not end " + c + " while the loop stopped", t);
                } catch (Throwable logFailed) {
                    // go on with the next child
                }
            }
        }
    }

    /** Done once closing, no spawn is half-way, no child is left and no task waits. */
    private boolean finished() {
        synchronized (lifecycle) {
            return closing && pendingSpawns == 0 && live.isEmpty() && tasks.isEmpty();
        }
    }

    private void killAll() {
        List<ChildProcess> children = new ArrayList<>(live);
        for (ChildProcess c : children) c.killForClose();
    }
}
