package io.rapport.core.segment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RFM scoring, worked by hand. */
class RfmTest {

    @Test
    void tenValuesFallTwoPerQuintile() {
        // ranks 0..9 of 10: score = 1 + rank * 5 / 10
        assertThat(Rfm.quintiles(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true)).containsExactly(1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
        // recency: fewer days is better, so the order reverses
        assertThat(Rfm.quintiles(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false)).containsExactly(5, 5, 4, 4, 3, 3, 2, 2, 1, 1);
    }

    @Test
    void equalValuesGetEqualScoresFromTheirFirstRank() {
        // sorted: 1 (rank 0), then three 5s sharing rank 1: 1 + 1 * 5 / 4 = 2
        assertThat(Rfm.quintiles(new double[] {5, 5, 5, 1}, true)).containsExactly(2, 2, 2, 1);
        // everyone equal: everyone rank 0, score 1
        assertThat(Rfm.quintiles(new double[] {3, 3, 3}, true)).containsExactly(1, 1, 1);
        assertThat(Rfm.quintiles(new double[] {}, true)).isEmpty();
    }

    @Test
    void groupsFollowRecencyAndTheMeanOfFrequencyAndMonetary() {
        assertThat(Rfm.group(5, 5, 5)).isEqualTo("champions");
        assertThat(Rfm.group(4, 4, 3)).isEqualTo("champions");        // FM = (4 + 3 + 1) / 2 = 4
        assertThat(Rfm.group(5, 1, 1)).isEqualTo("new_customers");
        assertThat(Rfm.group(4, 1, 1)).isEqualTo("promising");
        assertThat(Rfm.group(5, 2, 3)).isEqualTo("potential_loyalists"); // FM 3
        assertThat(Rfm.group(3, 5, 4)).isEqualTo("loyal");
        assertThat(Rfm.group(3, 3, 3)).isEqualTo("need_attention");
        assertThat(Rfm.group(3, 1, 2)).isEqualTo("about_to_sleep");    // FM 2
        assertThat(Rfm.group(2, 5, 5)).isEqualTo("cannot_lose_them");
        assertThat(Rfm.group(1, 4, 3)).isEqualTo("at_risk");
        assertThat(Rfm.group(2, 1, 2)).isEqualTo("hibernating");
        assertThat(Rfm.group(1, 1, 1)).isEqualTo("lost");
        for (int r = 1; r <= 5; r++) {
            for (int f = 1; f <= 5; f++) {
                for (int m = 1; m <= 5; m++) {
                    assertThat(Rfm.GROUPS).contains(Rfm.group(r, f, m));
                }
            }
        }
    }
}
