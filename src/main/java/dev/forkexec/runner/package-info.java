/**
 * The job runner: GNU parallel's command line on one {@link dev.forkexec.Reactor}. {@link
 * dev.forkexec.runner.Main} is the entry point; every other class does one job (parsing options,
 * reading inputs, substituting placeholders, quoting, the joblog, the report, output modes, halting,
 * sharding, progress, and the engine that keeps at most {@code -j} jobs running). Built only on the
 * public API of {@code dev.forkexec}; not exported from the module.
 */
package dev.forkexec.runner;
