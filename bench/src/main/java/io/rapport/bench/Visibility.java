package io.rapport.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * How long an acknowledged event takes to show on a profile: under a steady background load, one probe at a time
 * sends an event for a new email and polls the customer search for it until a profile answers.
 */
final class Visibility {

    record Result(double seconds, long probes, long timeouts, long errors, Histogram ackToVisibleMicros, long loadEvents, long loadSkipped,
                  String firstError, ClosedLoop.Sample cpu) {

        double loadPerSecond() {
            return loadEvents / seconds;
        }

        double percentileMs(double p) {
            return ackToVisibleMicros.getTotalCount() == 0 ? Double.NaN : ackToVisibleMicros.getValueAtPercentile(p) / 1000.0;
        }
    }

    private final Http http;
    private final String apiKey;
    private final String viewer;
    private final Events events;

    Visibility(Http http, String apiKey, String viewer, Events events) {
        this.http = http;
        this.apiKey = apiKey;
        this.viewer = viewer;
        this.events = events;
    }

    /**
     * @param rate        background events per second, one per request, sent on a fixed schedule (open model)
     * @param maxInFlight requests of the background load that may wait for an answer at once; beyond, a send is skipped
     * @param pollMs      pause between two searches for a probe
     * @param probeGapMs  pause between a probe becoming visible and the next probe
     * @param timeoutMs   a probe not visible after this counts as a timeout
     */
    Result run(double warmupS, double durationS, double rate, int maxInFlight, double pollMs, double probeGapMs, double timeoutMs, CpuMeter cpu)
            throws InterruptedException {
        long start = System.nanoTime();
        long measureStart = start + (long) (warmupS * 1e9);
        long end = measureStart + (long) (durationS * 1e9);
        AtomicLong loadEvents = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        if (rate > 0) {
            Thread th = new Thread(() -> load(rate, maxInFlight, start, measureStart, end, loadEvents, skipped, errors, firstError), "bench-load");
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
        Histogram h = new Histogram(ClosedLoop.HIGHEST_MICROS, 3);
        long[] probeCounts = new long[2]; // probes, timeouts
        String run = Long.toString(System.currentTimeMillis(), 36);
        Thread prober = new Thread(() -> probe(run, measureStart, end, pollMs, probeGapMs, timeoutMs, h, probeCounts, errors, firstError), "bench-probe");
        prober.setDaemon(true);
        threads.add(prober);
        prober.start();
        ClosedLoop.parkUntil(measureStart);
        CpuMeter.Mark m0 = cpu.mark();
        ClosedLoop.parkUntil(end);
        ClosedLoop.Sample sample = cpu.since(m0);
        long joinDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((long) timeoutMs + 45_000);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop after its deadline");
            }
        }
        return new Result(durationS, probeCounts[0], probeCounts[1], errors.get(), h, loadEvents.get(), skipped.get(), firstError.get(), sample);
    }

    private void load(double perSecond, int maxInFlight, long start, long measureStart, long end, AtomicLong stored, AtomicLong skipped,
                      AtomicLong errors, AtomicReference<String> firstError) {
        List<String> bodies = events.singleBodies(new SplittableRandom(9_000), 1024);
        Semaphore inFlight = new Semaphore(maxInFlight);
        long interval = (long) (1e9 / perSecond);
        long next = start;
        long maxRequests = (long) (perSecond * ((end - start) / 1e9)) + 10;
        for (long i = 0; i < maxRequests; i++) {
            ClosedLoop.parkUntil(next);
            long s = System.nanoTime();
            if (s >= end) {
                break;
            }
            next += interval;
            if (s - next > TimeUnit.MILLISECONDS.toNanos(100)) {
                skipped.addAndGet((s - next) / interval); // this thread was not scheduled: skip ahead instead of bursting
                next = s + interval;
            }
            if (!inFlight.tryAcquire()) {
                skipped.incrementAndGet(); // the server is that far behind: do not pile up more requests
                continue;
            }
            http.postAsync("/api/v1/events", apiKey, bodies.get((int) (i & 1023))).whenComplete((r, e) -> {
                inFlight.release();
                if (e == null && r.status() == 202) {
                    if (s >= measureStart && System.nanoTime() <= end) {
                        stored.incrementAndGet();
                    }
                } else {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, "load: " + (e != null ? e.toString() : "HTTP " + r.status() + " " + r.body()));
                }
            });
        }
        try {
            if (!inFlight.tryAcquire(maxInFlight, 40, TimeUnit.SECONDS)) {
                firstError.compareAndSet(null, "load: requests still unanswered 40 s after the end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void probe(String run, long measureStart, long end, double pollMs, double gapMs, double timeoutMs, Histogram h, long[] counts,
                       AtomicLong errors, AtomicReference<String> firstError) {
        long poll = (long) (pollMs * 1e6);
        long gap = (long) (gapMs * 1e6);
        long timeout = (long) (timeoutMs * 1e6);
        long maxPolls = timeout / Math.max(1, poll) + 2;
        long maxProbes = (long) ((end - measureStart) / 1e9 * 1000) + 100;
        for (int i = 0; i < maxProbes; i++) {
            long s = System.nanoTime();
            if (s >= end) {
                return;
            }
            String email = "probe-" + run + "-" + i + "@example.com";
            try {
                Http.Response r = http.post("/api/v1/events", apiKey, Events.event(email, i));
                long acked = System.nanoTime();
                if (r.status() != 202) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, "probe: HTTP " + r.status() + " " + r.body());
                    LockSupport.parkNanos(gap);
                    continue;
                }
                long visible = -1;
                long nextPoll = acked;
                for (long p = 0; p < maxPolls; p++) {
                    ClosedLoop.parkUntil(nextPoll);
                    long polled = System.nanoTime();
                    if (polled - acked > timeout) {
                        break;
                    }
                    if (http.customerExists(email, viewer)) {
                        visible = System.nanoTime();
                        break;
                    }
                    nextPoll = polled + poll;
                }
                if (acked >= measureStart) {
                    if (visible < 0) {
                        counts[1]++;
                    } else {
                        counts[0]++;
                        h.recordValue(Math.min(ClosedLoop.HIGHEST_MICROS, (visible - acked) / 1000));
                    }
                }
                ClosedLoop.parkUntil(System.nanoTime() + gap);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                errors.incrementAndGet();
                firstError.compareAndSet(null, "probe: " + e);
                LockSupport.parkNanos(gap);
            }
        }
    }
}
