package tinysns.cli.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tinysns.cli.bench.load.OperationMix.Op;

class OperationMixTest {
    @Test
    void theDefaultIsDeathStarBenchsSixtyThirtyTen() {
        Map<Op, Integer> counts = new EnumMap<>(Op.class);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            counts.merge(OperationMix.DEFAULT.pick(r.nextDouble()), 1, Integer::sum);
        }
        assertEquals(60_000, counts.get(Op.HOME_TIMELINE), 1_000);
        assertEquals(30_000, counts.get(Op.USER_TIMELINE), 1_000);
        assertEquals(10_000, counts.get(Op.POST), 1_000);
    }

    @Test
    void parsesWeightsAndRefusesNonsenseClearly() {
        assertEquals(new OperationMix(0, 0, 1), OperationMix.parse("0:0:1"));
        assertTrue(OperationMix.parse("0:0:1").writesOnly());
        assertEquals(Op.POST, OperationMix.parse("0:0:1").pick(0.999));
        assertEquals(new OperationMix(6, 3, 1), OperationMix.parse(" 6, 3, 1 "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("60:40"))
                .getMessage().contains("HOME:USER:POST"));
        assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("a:b:c"));
        assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("0:0:0"));
        assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("-1:2:3"));
    }
}
