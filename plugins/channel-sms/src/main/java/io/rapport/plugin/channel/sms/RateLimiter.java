package io.rapport.plugin.channel.sms;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Spaces sends so that no one-second window ever holds more than {@code perSecond} of them, while keeping the average
 * near the rate. Sends run one at a time in arrival order, on a schedule of slots {@code (1 s + slack) / perSecond}
 * apart: a send that starts late does not move the schedule, so the next ones follow it sooner (never closer than half
 * a slot) and the average is kept. What guarantees the limit is a record of when the last {@code perSecond} sends ended
 * (their bytes written): a send starts only once the one {@code perSecond} sends before it ended at least a second
 * (and the slack) ago. After an idle time the schedule restarts from now, with no burst to catch up.
 */
final class RateLimiter {

    /** A clock and a way to wait, replaced by a fake one in tests. */
    interface Ticker {
        long nanoTime();

        void parkNanos(long nanos);

        Ticker SYSTEM = new Ticker() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void parkNanos(long nanos) {
                LockSupport.parkNanos(nanos);
            }
        };
    }

    /** One send; may throw what the send throws. */
    interface Send<T, X extends Exception> {
        T run() throws X;
    }

    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Added to the window the record checks, and to the schedule: the SMSC counts PDUs when it reads them, a few
     * milliseconds after they were written here, and those delays differ from one PDU to the next. The average costs
     * 2 % of the rate for it.
     */
    static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int perSecond;
    private final long intervalNanos;
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock(true);
    /** When the last {@code perSecond} sends ended; {@code ends[head]} is the oldest once {@code count == perSecond}. */
    private final long[] ends;
    private int head;
    private int count;
    private long nextSlot;
    private long lastEnd;
    private boolean started;

    RateLimiter(int perSecond, Ticker ticker) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("the rate is at least 1 per second");
        }
        this.perSecond = perSecond;
        this.intervalNanos = (WINDOW_NANOS + SLACK_NANOS + perSecond - 1) / perSecond;
        this.ticker = ticker;
        this.ends = new long[perSecond];
    }

    int perSecond() {
        return perSecond;
    }

    long intervalNanos() {
        return intervalNanos;
    }

    long minGapNanos() {
        return intervalNanos / 2;
    }

    /**
     * @return roughly how long a send asked for now would wait for its turn: the sends queued before it and the
     *         wait for the next slot
     */
    long expectedWaitNanos() {
        long spacing;
        synchronized (this) {
            spacing = Math.max(0, waitNanos(ticker.nanoTime()));
        }
        return spacing + (long) lock.getQueueLength() * intervalNanos;
    }

    /** Runs {@code send} in its turn, waiting for it as long as needed (the caller checks {@link #expectedWaitNanos} first). */
    <T, X extends Exception> T run(Send<T, X> send) throws X {
        lock.lock();
        try {
            long wait;
            while ((wait = waitOf()) > 0) {
                ticker.parkNanos(wait);
            }
            long startedAt = ticker.nanoTime();
            try {
                return send.run();
            } finally {
                synchronized (this) {
                    // the schedule keeps its slots after a late start, but never owes more than one slot after an idle time
                    nextSlot = (started ? Math.max(nextSlot, startedAt - intervalNanos) : startedAt) + intervalNanos;
                    started = true;
                    lastEnd = ticker.nanoTime();
                    ends[head] = lastEnd;
                    head = (head + 1) % perSecond;
                    count = Math.min(perSecond, count + 1);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private synchronized long waitOf() {
        return waitNanos(ticker.nanoTime());
    }

    private long waitNanos(long now) {
        long wait = started ? nextSlot - now : 0;
        if (count == perSecond) {
            wait = Math.max(wait, ends[head] + WINDOW_NANOS + SLACK_NANOS - now); // this send ends later than it starts
        }
        if (started) {
            // catching up after a late send goes at most twice the rate: PDUs do not reach the SMSC in a clump
            wait = Math.max(wait, lastEnd + minGapNanos() - now);
        }
        return wait;
    }
}
