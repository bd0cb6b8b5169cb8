/**
 * forkexec's native boundary and other internals: not exported by the {@code dev.forkexec} module,
 * and not part of the API. Each {@code Native*} class mirrors one {@code src/main/c/*_jni.c} file;
 * every number both sides use is defined once and checked on the other side at compile time.
 */
package dev.forkexec.internal;
