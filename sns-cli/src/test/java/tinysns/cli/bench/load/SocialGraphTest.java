package tinysns.cli.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SocialGraphTest {
    @Test
    void theSameSeedGivesTheSameGraphAndAnotherSeedAnotherOne() {
        SocialGraph a = SocialGraph.powerLaw(2_000, 20, 2.0, 500, 42);
        SocialGraph b = SocialGraph.powerLaw(2_000, 20, 2.0, 500, 42);
        SocialGraph c = SocialGraph.powerLaw(2_000, 20, 2.0, 500, 43);
        boolean differs = false;
        for (int u = 0; u < a.users(); u++) {
            assertArrayEquals(a.followees(u), b.followees(u), "user " + u);
            differs |= !Arrays.equals(a.followees(u), c.followees(u));
        }
        assertTrue(differs);
        SplittableRandom r1 = new SplittableRandom(7);
        SplittableRandom r2 = new SplittableRandom(7);
        for (int i = 0; i < 1_000; i++) {
            assertEquals(a.popularUser(r1), b.popularUser(r2), "popularity draws are seeded too");
        }
    }

    @Test
    void edgesAreDistinctNeverSelfAndWithinTheCap() {
        SocialGraph g = SocialGraph.powerLaw(500, 30, 1.5, 100, 1);
        for (int u = 0; u < g.users(); u++) {
            int[] out = g.followees(u);
            assertTrue(out.length >= 1 && out.length <= 100, "degree " + out.length);
            for (int i = 0; i < out.length; i++) {
                assertTrue(out[i] != u, "no self-follow");
                assertTrue(out[i] >= 0 && out[i] < 500);
                assertTrue(i == 0 || out[i] > out[i - 1], "ascending and distinct");
            }
        }
    }

    @Test
    void degreesAreHeavyTailedWithTheAskedMean() {
        SocialGraph g = SocialGraph.powerLaw(20_000, 20, 2.0, 2_000, 9);
        double mean = g.edges() / (double) g.users();
        assertTrue(mean > 14 && mean < 22, "mean out-degree " + mean);
        int[] out = new int[g.users()];
        for (int u = 0; u < out.length; u++) {
            out[u] = g.outDegree(u);
        }
        Arrays.sort(out);
        int median = out[out.length / 2];
        assertTrue(median < mean, "most users follow fewer than the mean: median " + median + ", mean " + mean);
        assertTrue(out[out.length - 1] > 10 * mean, "a long tail: max " + out[out.length - 1]);
        int[] in = g.inDegrees();
        Arrays.sort(in);
        assertTrue(in[in.length - 1] > 50 * in[in.length / 2] + 50,
                "a few users have most followers: max in-degree " + in[in.length - 1] + ", median " + in[in.length / 2]);
    }

    @Test
    void aTinyNetworkStillWorksAndNonsenseIsRefused() {
        SocialGraph g = SocialGraph.powerLaw(2, 20, 2.0, 500, 3);
        assertArrayEquals(new int[]{1}, g.followees(0));
        assertArrayEquals(new int[]{0}, g.followees(1));
        assertThrows(IllegalArgumentException.class, () -> SocialGraph.powerLaw(1, 20, 2.0, 500, 3));
        assertThrows(IllegalArgumentException.class, () -> SocialGraph.powerLaw(10, 20, 1.0, 500, 3));
        assertThrows(IllegalArgumentException.class, () -> SocialGraph.powerLaw(10, 0.5, 2.0, 500, 3));
        assertFalse(g.edges() == 0);
    }
}
