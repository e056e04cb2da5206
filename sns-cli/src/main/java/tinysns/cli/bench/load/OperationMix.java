package tinysns.cli.bench.load;

import java.util.EnumMap;
import java.util.Map;

/** Which operation a workload step is, drawn by weight: DeathStarBench's social network mix by default. */
public record OperationMix(int homeTimeline, int userTimeline, int post) {
    /** 60 % home-timeline reads, 30 % user-timeline reads, 10 % posts. */
    public static final OperationMix DEFAULT = new OperationMix(60, 30, 10);

    public enum Op {
        HOME_TIMELINE("home-timeline"), USER_TIMELINE("user-timeline"), POST("post");

        private final String label;

        Op(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public OperationMix {
        if (homeTimeline < 0 || userTimeline < 0 || post < 0 || homeTimeline + userTimeline + post == 0) {
            throw new IllegalArgumentException("mix weights must be >= 0 and not all 0; got "
                    + homeTimeline + ":" + userTimeline + ":" + post);
        }
    }

    /** "60:30:10" (home-timeline : user-timeline : post), weights in any unit. */
    public static OperationMix parse(String text) {
        String[] parts = text.trim().split("[:,/]");
        if (parts.length != 3) {
            throw new IllegalArgumentException("a mix is HOME:USER:POST weights, e.g. 60:30:10; got '" + text + "'");
        }
        try {
            return new OperationMix(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                    Integer.parseInt(parts[2].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a mix is three whole numbers HOME:USER:POST, e.g. 60:30:10; got '"
                    + text + "'", e);
        }
    }

    /** The operation for a uniform draw {@code u} in [0, 1). */
    public Op pick(double u) {
        double total = homeTimeline + userTimeline + post;
        double x = u * total;
        if (x < homeTimeline) {
            return Op.HOME_TIMELINE;
        }
        return x < homeTimeline + userTimeline ? Op.USER_TIMELINE : Op.POST;
    }

    public boolean writesOnly() {
        return homeTimeline == 0 && userTimeline == 0;
    }

    public Map<Op, Integer> weights() {
        Map<Op, Integer> weights = new EnumMap<>(Op.class);
        weights.put(Op.HOME_TIMELINE, homeTimeline);
        weights.put(Op.USER_TIMELINE, userTimeline);
        weights.put(Op.POST, post);
        return weights;
    }

    @Override
    public String toString() {
        return homeTimeline + ":" + userTimeline + ":" + post;
    }
}
