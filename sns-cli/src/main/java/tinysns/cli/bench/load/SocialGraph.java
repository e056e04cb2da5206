package tinysns.cli.bench.load;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A follow graph shaped like a real social network, and the same one for the same seed: out-degrees (how many users
 * someone follows) are Pareto-distributed, and whom they follow is drawn by popularity (Zipf over a seeded
 * permutation of the users), so in-degrees are heavy-tailed too: a few users have many followers, most have few.
 * DeathStarBench's social network loads a real graph of this shape (socfb-Reed98); a generator lets the size vary.
 *
 * <p>Users are indexes 0..users-1; the caller maps them to ids.
 */
public final class SocialGraph {
    private final int[][] followees;
    private final ZipfSampler popularity;

    private SocialGraph(int[][] followees, ZipfSampler popularity) {
        this.followees = followees;
        this.popularity = popularity;
    }

    /**
     * @param users       how many users (at least 2)
     * @param meanFollows the mean out-degree before capping (at least 1)
     * @param exponent    the Pareto tail exponent of out-degrees (above 1; real networks are around 2)
     * @param maxFollows  cap on one user's out-degree (also capped at users - 1)
     * @param seed        the same seed gives the same graph
     */
    public static SocialGraph powerLaw(int users, double meanFollows, double exponent, int maxFollows, long seed) {
        if (users < 2) {
            throw new IllegalArgumentException("a follow graph needs at least 2 users, got " + users);
        }
        if (meanFollows < 1 || exponent <= 1 || maxFollows < 1) {
            throw new IllegalArgumentException("need mean follows >= 1, exponent > 1 and max follows >= 1; got "
                    + meanFollows + ", " + exponent + ", " + maxFollows);
        }
        SplittableRandom random = new SplittableRandom(seed);
        ZipfSampler popularity = new ZipfSampler(users, 1.0, random.split());
        // Pareto(xm, a) has mean a*xm/(a-1): choose xm for the asked mean.
        double xm = meanFollows * (exponent - 1) / exponent;
        int cap = Math.min(maxFollows, users - 1);
        int[][] followees = new int[users][];
        boolean[] taken = new boolean[users];
        for (int user = 0; user < users; user++) {
            double u = random.nextDouble();
            int degree = (int) Math.min(cap, Math.max(1, Math.round(xm / Math.pow(1 - u, 1 / exponent))));
            int[] out = new int[degree];
            int n = 0;
            taken[user] = true;
            // Popular users are drawn first; when the draws keep hitting taken ones, fill from a random start.
            for (int attempt = 0; n < degree && attempt < degree * 8; attempt++) {
                int target = popularity.next(random);
                if (!taken[target]) {
                    taken[target] = true;
                    out[n++] = target;
                }
            }
            for (int target = random.nextInt(users); n < degree; target = (target + 1) % users) {
                if (!taken[target]) {
                    taken[target] = true;
                    out[n++] = target;
                }
            }
            for (int target : out) {
                taken[target] = false;
            }
            taken[user] = false;
            Arrays.sort(out);
            followees[user] = out;
        }
        return new SocialGraph(followees, popularity);
    }

    public int users() {
        return followees.length;
    }

    /** Whom {@code user} follows, ascending, never itself. */
    public int[] followees(int user) {
        return followees[user].clone();
    }

    public int outDegree(int user) {
        return followees[user].length;
    }

    public long edges() {
        long edges = 0;
        for (int[] out : followees) {
            edges += out.length;
        }
        return edges;
    }

    /** How many users follow each user. */
    public int[] inDegrees() {
        int[] in = new int[followees.length];
        for (int[] out : followees) {
            for (int target : out) {
                in[target]++;
            }
        }
        return in;
    }

    /** A user drawn by popularity, as whose posts someone reads: the popular ones are read most. */
    public int popularUser(SplittableRandom random) {
        return popularity.next(random);
    }

    /** Zipf(s) over 0..n-1 through a seeded permutation, so popularity does not follow the ids (or the clusters). */
    static final class ZipfSampler {
        private final double[] cdf;
        private final int[] permutation;

        ZipfSampler(int n, double s, SplittableRandom random) {
            cdf = new double[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += 1 / Math.pow(k + 1, s);
                cdf[k] = sum;
            }
            for (int k = 0; k < n; k++) {
                cdf[k] /= sum;
            }
            permutation = new int[n];
            for (int k = 0; k < n; k++) {
                permutation[k] = k;
            }
            for (int k = n - 1; k > 0; k--) {
                int j = random.nextInt(k + 1);
                int t = permutation[k];
                permutation[k] = permutation[j];
                permutation[j] = t;
            }
        }

        int next(SplittableRandom random) {
            int rank = Arrays.binarySearch(cdf, random.nextDouble());
            rank = rank >= 0 ? rank : Math.min(cdf.length - 1, -rank - 1);
            return permutation[rank];
        }
    }
}
