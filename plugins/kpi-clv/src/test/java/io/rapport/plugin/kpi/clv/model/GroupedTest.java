package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

class GroupedTest {

    @Test
    void identicalRowsBecomeOneRowWithACount() {
        Grouped g = Grouped.of(new int[] {0, 2, 0, 2, 2}, new double[] {0, 3, 0, 3, 4}, new double[] {5, 6, 5, 6, 6});
        assertThat(g.size()).isEqualTo(3);
        assertThat(g.customers()).isEqualTo(5);
        assertThat(g.rowOf(0)).isEqualTo(g.rowOf(2));
        assertThat(g.rowOf(1)).isEqualTo(g.rowOf(3)).isNotEqualTo(g.rowOf(4));
        assertThat(g.count(g.rowOf(1))).isEqualTo(2);
        assertThat(g.x(g.rowOf(4))).isEqualTo(2);
        assertThat(g.tx(g.rowOf(4))).isEqualTo(4);
        assertThat(g.T(g.rowOf(4))).isEqualTo(6);
    }

    @Test
    void impossibleRowsAreRefused() {
        assertThatThrownBy(() -> Grouped.of(new int[] {1}, new double[] {7}, new double[] {6}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x=1, tx=7.0, T=6.0");
        assertThatThrownBy(() -> Grouped.of(new int[] {0}, new double[] {1}, new double[] {6})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Grouped.weighted(new int[] {0}, new double[] {0}, new double[] {6}, new long[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Grouped.weighted(new int[] {0}, new double[] {0}, new double[] {6}, new long[] {1}).rowOf(0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void duplicatedCustomersFitTheSameParametersAtTheSameCost() {
        List<Cdnow.Row> rows = Cdnow.summary();
        int copies = 100;
        int n = rows.size();
        int[] x = new int[n * copies];
        double[] tx = new double[n * copies];
        double[] T = new double[n * copies];
        for (int i = 0; i < n * copies; i++) {
            Cdnow.Row row = rows.get(i % n);
            x[i] = row.x();
            tx[i] = row.tx();
            T[i] = row.T();
        }
        Grouped once = Cdnow.grouped(rows);
        Grouped duplicated = Grouped.of(x, tx, T);
        assertThat(duplicated.size()).isEqualTo(once.size());
        assertThat(duplicated.customers()).isEqualTo((long) n * copies);

        long start = System.nanoTime();
        BgNbd.Fit single = BgNbd.fit(once);
        long singleNanos = System.nanoTime() - start;
        start = System.nanoTime();
        BgNbd.Fit many = BgNbd.fit(duplicated);
        long manyNanos = System.nanoTime() - start;
        System.out.printf("BG/NBD fit: %d customers in %d distinct rows %d ms; x%d %d ms%n",
                n, once.size(), singleNanos / 1_000_000, copies, manyNanos / 1_000_000);

        BgNbd.Params p = single.params();
        BgNbd.Params q = many.params();
        assertThat(q.r()).isCloseTo(p.r(), within(1e-5 * p.r()));
        assertThat(q.alpha()).isCloseTo(p.alpha(), within(1e-5 * p.alpha()));
        assertThat(q.a()).isCloseTo(p.a(), within(1e-5 * p.a()));
        assertThat(q.b()).isCloseTo(p.b(), within(1e-5 * p.b()));
        assertThat(many.logLikelihood()).isCloseTo(copies * single.logLikelihood(), within(1e-6 * copies * Math.abs(single.logLikelihood())));
        // the work is per distinct row: about as many likelihood evaluations, and nowhere near 100 times the time
        assertThat(many.evaluations()).isLessThan(2 * single.evaluations());
        assertThat(manyNanos).isLessThan(Math.max(5 * singleNanos, singleNanos + 2_000_000_000L));
    }
}
