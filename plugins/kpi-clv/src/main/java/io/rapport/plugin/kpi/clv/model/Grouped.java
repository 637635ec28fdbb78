package io.rapport.plugin.kpi.clv.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Customers' (x, t_x, T) as distinct rows with a count each, so that fitting and predicting cost grows with the
 * number of distinct rows, not with the number of customers.
 *
 * <p>Built with {@link #of(int[], double[], double[])} (or from summaries), it also remembers the row of each
 * input customer ({@link #rowOf(int)}), so that a prediction made once per row can be handed back per customer.
 * Built with {@link #weighted}, the rows are taken as given and no customer mapping exists. Immutable; the arrays
 * passed in are copied.
 */
public final class Grouped {

    private final int[] x;
    private final double[] tx;
    private final double[] T;
    private final long[] count;
    private final int[] rowOfCustomer;

    private Grouped(int[] x, double[] tx, double[] T, long[] count, int[] rowOfCustomer) {
        this.x = x;
        this.tx = tx;
        this.T = T;
        this.count = count;
        this.rowOfCustomer = rowOfCustomer;
    }

    /**
     * Groups one row per customer into distinct rows.
     *
     * @param x  repeat purchases of each customer, &gt;= 0
     * @param tx time of the last purchase since the first, in [0, T] (0 when x = 0)
     * @param T  time since the first purchase until the end of calibration, &gt;= 0
     * @throws IllegalArgumentException if the arrays differ in length or a row is impossible
     */
    public static Grouped of(int[] x, double[] tx, double[] T) {
        if (x.length != tx.length || x.length != T.length) {
            throw new IllegalArgumentException("x, tx and T differ in length");
        }
        Map<Key, Integer> rows = new HashMap<>();
        int[] rowOf = new int[x.length];
        int[] gx = new int[16];
        double[] gtx = new double[16];
        double[] gT = new double[16];
        long[] gCount = new long[16];
        for (int i = 0; i < x.length; i++) {
            check(x[i], tx[i], T[i]);
            Key key = new Key(x[i], tx[i] + 0.0, T[i] + 0.0);
            Integer row = rows.get(key);
            if (row == null) {
                row = rows.size();
                rows.put(key, row);
                if (row == gx.length) {
                    int n = 2 * row;
                    gx = Arrays.copyOf(gx, n);
                    gtx = Arrays.copyOf(gtx, n);
                    gT = Arrays.copyOf(gT, n);
                    gCount = Arrays.copyOf(gCount, n);
                }
                gx[row] = x[i];
                gtx[row] = key.tx();
                gT[row] = key.T();
            }
            gCount[row]++;
            rowOf[i] = row;
        }
        int n = rows.size();
        return new Grouped(Arrays.copyOf(gx, n), Arrays.copyOf(gtx, n), Arrays.copyOf(gT, n), Arrays.copyOf(gCount, n), rowOf);
    }

    /** Groups customer summaries, in the list's order ({@link #rowOf(int)} takes the list index). */
    public static Grouped of(List<CustomerSummary> customers) {
        int n = customers.size();
        int[] x = new int[n];
        double[] tx = new double[n];
        double[] T = new double[n];
        for (int i = 0; i < n; i++) {
            CustomerSummary c = customers.get(i);
            x[i] = c.x();
            tx[i] = c.tx();
            T[i] = c.T();
        }
        return of(x, tx, T);
    }

    /**
     * Takes rows that are already grouped (for example by a SQL {@code GROUP BY}); duplicates are allowed and
     * simply count twice.
     *
     * @param count how many customers each row stands for, &gt;= 1
     */
    public static Grouped weighted(int[] x, double[] tx, double[] T, long[] count) {
        if (x.length != tx.length || x.length != T.length || x.length != count.length) {
            throw new IllegalArgumentException("x, tx, T and count differ in length");
        }
        for (int i = 0; i < x.length; i++) {
            check(x[i], tx[i], T[i]);
            if (count[i] < 1) {
                throw new IllegalArgumentException("row " + i + ": count must be >= 1, got " + count[i]);
            }
        }
        return new Grouped(x.clone(), tx.clone(), T.clone(), count.clone(), null);
    }

    private static void check(int x, double tx, double T) {
        if (x < 0 || !(tx >= 0) || !(T >= tx) || Double.isInfinite(T) || (x == 0 && tx != 0)) {
            throw new IllegalArgumentException("impossible row x=" + x + ", tx=" + tx + ", T=" + T
                    + " (needs x >= 0, 0 <= tx <= T, tx = 0 when x = 0)");
        }
    }

    /** Number of distinct rows. */
    public int size() {
        return x.length;
    }

    public int x(int row) {
        return x[row];
    }

    public double tx(int row) {
        return tx[row];
    }

    public double T(int row) {
        return T[row];
    }

    /** How many customers the row stands for. */
    public long count(int row) {
        return count[row];
    }

    /** Total number of customers, the sum of the counts. */
    public long customers() {
        long total = 0;
        for (long c : count) {
            total += c;
        }
        return total;
    }

    /**
     * The row of the customer at this input index.
     *
     * @throws IllegalStateException if built with {@link #weighted}, which knows no customers
     */
    public int rowOf(int customer) {
        if (rowOfCustomer == null) {
            throw new IllegalStateException("rows given pre-grouped: no customer mapping");
        }
        return rowOfCustomer[customer];
    }

    /** Number of input customers that {@link #rowOf(int)} accepts (0 when built with {@link #weighted}). */
    public int mappedCustomers() {
        return rowOfCustomer == null ? 0 : rowOfCustomer.length;
    }

    private record Key(int x, double tx, double T) {
    }
}
