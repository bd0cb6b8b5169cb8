package dev.forkexec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The specs of the most recent starts, by what they were built from, at most {@link #SIZE}: building
 * and encoding a spec cost 50-100 us per spawn once a spawn had cooled the caches, and a program that
 * runs the same command again and again (the usual case for {@link Command} and {@link Processes})
 * then pays it once. Thread-safe.
 *
 * @param <K> what a spec is built from; equal keys must build equal specs
 */
final class RecentSpecs<K> {
    static final int SIZE = 64;

    private final Map<K, ProcessSpec> specs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, ProcessSpec> eldest) {
            return size() > SIZE;
        }
    };

    /** The spec built from {@code key}, built by {@code build} unless a recent one is kept. */
    ProcessSpec get(K key, Function<K, ProcessSpec> build) {
        synchronized (specs) {
            ProcessSpec spec = specs.get(key);
            if (spec != null) return spec;
        }
        ProcessSpec spec = build.apply(key); // outside the lock: it may throw, and takes a while
        synchronized (specs) {
            specs.put(key, spec);
        }
        return spec;
    }
}
