/**
 * forkexec: start Linux child processes from the JVM with an exact fd map, credentials, session
 * and directory, and run any number of them on one epoll thread (Twisted's {@code spawnProcess}
 * and {@code Process}). The API is the package {@link dev.forkexec}; everything else is internal.
 *
 * <h2>Platforms</h2>
 * Linux on x86_64 or aarch64 with glibc 2.17 or later, or on x86_64 with musl (Alpine); kernel 5.4
 * or later; Java 17 or later. The jar carries {@code libforkexec.so} for each and loads the one
 * matching {@code os.arch} and the C library this JVM runs on, the first time a class that needs it
 * is used.
 *
 * <h2>Loading the native library</h2>
 * The bundled library is loaded only after its bytes matched the SHA-256 recorded at build time, and
 * only from a directory no other user can write to: the per-user cache
 * {@code $XDG_CACHE_HOME/forkexec} (default {@code ~/.cache/forkexec}), where the first JVM stores the
 * verified copy so that later JVMs start faster, else a fresh private directory in
 * {@code java.io.tmpdir}, else one in {@code $XDG_RUNTIME_DIR}, each emptied right after loading.
 * Directories that cannot be used (for example mounted {@code noexec}) are skipped; if none works,
 * the {@link UnsatisfiedLinkError} names each directory tried and why. System properties:
 * <ul>
 *   <li>{@code -Dforkexec.tmpdir=/dir}: extract into a fresh private directory in {@code /dir} only
 *       (nothing is cached), for hosts whose temporary and home directories are mounted
 *       {@code noexec};</li>
 *   <li>{@code -Dforkexec.library.path=/dir}: load {@code /dir/libforkexec.so} as it is (the
 *       directory and the file must not be writable by group or others);</li>
 *   <li>{@code -Dforkexec.spawn=fork}: use the fork fallback instead of {@code clone(CLONE_VM)}.</li>
 * </ul>
 *
 * <h2>JDK 22 and later</h2>
 * Loading a native library is a restricted operation: grant it with
 * {@code --enable-native-access=dev.forkexec} when this module is on the module path, with
 * {@code --enable-native-access=ALL-UNNAMED} on the class path, or with the manifest attribute
 * {@code Enable-Native-Access: ALL-UNNAMED} in the jar started with {@code java -jar}; otherwise
 * the JDK prints a warning.
 */
module dev.forkexec {
    exports dev.forkexec;
}
