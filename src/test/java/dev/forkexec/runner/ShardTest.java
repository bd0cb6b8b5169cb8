package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --shard INDEX/COUNT partitions the global sequence numbers. */
class ShardTest {
    @Test
    void shardsPartitionTheSequenceNumbers() throws RunnerException {
        int count = 3;
        List<List<Long>> shards = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Shard s = Shard.parse(i + "/" + count);
            List<Long> mine = new ArrayList<>();
            for (long n = 1; n <= 10; n++) if (s.includes(n)) mine.add(n);
            shards.add(mine);
        }
        assertEquals(List.of(1L, 4L, 7L, 10L), shards.get(0));
        assertEquals(List.of(2L, 5L, 8L), shards.get(1));
        assertEquals(List.of(3L, 6L, 9L), shards.get(2));
    }

    @Test
    void theDefaultTakesEveryJob() {
        for (long n = 1; n < 100; n++) assertTrue(Shard.ALL.includes(n));
    }

    @Test
    void badShardsAreRejectedWithTheForm() {
        for (String bad : new String[] {"3/3", "1", "-1/2", "0/0", "a/b", "1/2/3", ""}) {
            RunnerException e = assertThrows(RunnerException.class, () -> Shard.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--shard must be INDEX/COUNT with 0 <= INDEX < COUNT"), e.getMessage());
        }
    }
}
