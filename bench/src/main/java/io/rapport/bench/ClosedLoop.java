package io.rapport.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

import org.HdrHistogram.Histogram;

/**
 * N threads, each doing one operation after another for a warm-up and then a measured window. Only operations that
 * start and end inside the window are counted; every loop stops at its deadline and after {@code maxOpsPerThread}.
 */
final class ClosedLoop {

    /** One operation; returns how many events it stored (0 or less: a failure). */
    interface Op extends AutoCloseable {
        int run() throws Exception;

        @Override
        default void close() throws Exception {
        }
    }

    /** Opens a thread's operation (its connection, its request bodies). */
    interface OpFactory {
        Op open(int thread) throws Exception;
    }

    /** Called at the start and the end of the measured window, on the coordinating thread. */
    interface WindowListener {
        void at(boolean start);
    }

    record Result(String name, int threads, double seconds, long ops, long events, long errors, long warmupErrors, Histogram latencyMicros,
                  String firstError, Sample cpu) {

        double eventsPerSecond() {
            return events / seconds;
        }

        double opsPerSecond() {
            return ops / seconds;
        }

        double percentileMs(double p) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(p) / 1000.0;
        }
    }

    /** CPU use over the window, in cores (1.0 = one core busy all the time); NaN when unknown. */
    record Sample(double serverCores, double driverCores) {
    }

    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(2);

    private ClosedLoop() {
    }

    static Result run(String name, int threads, double warmupS, double durationS, long maxOpsPerThread, OpFactory factory,
                      CpuMeter cpu) throws Exception {
        List<Histogram> histograms = new ArrayList<>();
        long[][] counters = new long[threads][4]; // ops, events, errors, warm-up errors
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicReference<Exception> openFailure = new AtomicReference<>();
        CountDownLatch opened = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Histogram h = new Histogram(HIGHEST_MICROS, 3);
            histograms.add(h);
            int index = t;
            Thread th = new Thread(() -> {
                try (Op op = open(factory, index, openFailure, opened)) {
                    go.await();
                    if (op == null) {
                        return;
                    }
                    long measureStart = window[0];
                    long end = window[1];
                    long[] c = counters[index];
                    for (long n = 0; n < maxOpsPerThread; n++) {
                        long s = System.nanoTime();
                        if (s >= end) {
                            break;
                        }
                        int stored;
                        try {
                            stored = op.run();
                        } catch (Exception e) {
                            stored = -1;
                            firstError.compareAndSet(null, e.toString());
                        }
                        long f = System.nanoTime();
                        boolean inWindow = s >= measureStart && f <= end;
                        if (stored > 0) {
                            if (inWindow) {
                                c[0]++;
                                c[1] += stored;
                                h.recordValue(Math.min(HIGHEST_MICROS, (f - s) / 1000));
                            }
                        } else {
                            c[s >= measureStart ? 2 : 3]++;
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // no hot loop on a failing server
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    firstError.compareAndSet(null, "closing: " + e);
                }
            }, "bench-" + name + "-" + t);
            th.setDaemon(true);
            workers.add(th);
            th.start();
        }
        opened.await();
        if (openFailure.get() != null) {
            go.countDown();
            join(workers, 30);
            throw openFailure.get();
        }
        long start = System.nanoTime();
        window[0] = start + (long) (warmupS * 1e9);
        window[1] = window[0] + (long) (durationS * 1e9);
        go.countDown(); // happens-before: the workers read window[] after await()
        parkUntil(window[0]);
        CpuMeter.Mark m0 = cpu.mark();
        parkUntil(window[1]);
        Sample sample = cpu.since(m0);
        join(workers, 60);
        Histogram all = new Histogram(HIGHEST_MICROS, 3);
        histograms.forEach(all::add);
        long ops = 0;
        long events = 0;
        long errors = 0;
        long warmupErrors = 0;
        for (long[] c : counters) {
            ops += c[0];
            events += c[1];
            errors += c[2];
            warmupErrors += c[3];
        }
        return new Result(name, threads, durationS, ops, events, errors, warmupErrors, all, firstError.get(), sample);
    }

    private static Op open(OpFactory factory, int index, AtomicReference<Exception> failure, CountDownLatch opened) {
        try {
            return factory.open(index);
        } catch (Exception e) {
            failure.compareAndSet(null, e);
            return null;
        } finally {
            opened.countDown();
        }
    }

    static void parkUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private static void join(List<Thread> threads, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop within " + seconds + " s after its deadline");
            }
        }
    }
}
