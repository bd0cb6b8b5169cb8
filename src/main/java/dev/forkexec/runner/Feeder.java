package dev.forkexec.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns inputs into jobs: numbers every input combination (the global sequence number), keeps only
 * this {@link Shard}'s, and skips the ones a joblog ({@code --resume}) or the {@code --results}
 * directory says are done. Runs on its own thread during a run (so a slow stdin never stalls the
 * reactor), or inline for {@code --dry-run} and when the total must be known first.
 */
final class Feeder {
    private final InputSource input;
    private final Shard shard;
    private final Resume resume;
    private final Path resultsToResume;
    private long seq;
    private long jobs;

    Feeder(InputSource input, Shard shard, Resume resume, Path resultsToResume) {
        this.input = input;
        this.shard = shard;
        this.resume = resume;
        this.resultsToResume = resultsToResume;
    }

    /** The next job to run, or null when the inputs are exhausted. */
    Job next() throws IOException {
        String[] args;
        while ((args = input.next()) != null) {
            long n = ++seq;
            if (!shard.includes(n) || resume.isDone(n)) continue;
            if (resultsToResume != null
                    && Files.exists(ResultsOutput.directory(resultsToResume, args).resolve("stdout"))) {
                continue;
            }
            jobs++;
            return new Job(n, args);
        }
        return null;
    }

    /** Jobs handed out so far. */
    long jobs() {
        return jobs;
    }

    /** Feeds every job to the engine, then tells it the inputs ended (or failed). */
    void feed(Engine engine) {
        try {
            for (Job j; (j = next()) != null; ) {
                if (!engine.offer(j)) return;
            }
            engine.inputEnded(jobs);
        } catch (IOException e) {
            engine.inputFailed("cannot read input: " + e.getMessage());
        } catch (InterruptedException e) {
            engine.inputFailed("interrupted while reading input");
        } finally {
            input.close();
        }
    }
}
