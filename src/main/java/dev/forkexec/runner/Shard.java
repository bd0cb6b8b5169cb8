package dev.forkexec.runner;

/**
 * {@code --shard INDEX/COUNT}: this run takes the jobs whose global sequence number n (1-based, over
 * all inputs) has {@code (n - 1) mod COUNT == INDEX}. {@code {#}} and the joblog's Seq keep the global
 * numbers, so each shard's joblog resumes on its own. {@code 0/1} (the default) takes every job.
 */
record Shard(int index, int count) {
    /** Every job. */
    static final Shard ALL = new Shard(0, 1);

    /** Parses {@code INDEX/COUNT} with {@code 0 <= INDEX < COUNT}. */
    static Shard parse(String spec) throws RunnerException {
        int slash = spec.indexOf('/');
        if (slash < 0 || !spec.substring(0, slash).matches("\\d{1,9}") || !spec.substring(slash + 1).matches("\\d{1,9}")) {
            throw new RunnerException("--shard must be INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4: " + spec);
        }
        int index = Integer.parseInt(spec.substring(0, slash));
        int count = Integer.parseInt(spec.substring(slash + 1));
        if (count < 1 || index >= count) {
            throw new RunnerException("--shard must be INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4: " + spec);
        }
        return new Shard(index, count);
    }

    /** Whether the job with this global sequence number belongs to this shard. */
    boolean includes(long seq) {
        return (seq - 1) % count == index;
    }
}
