package io.rapport.plugin.channel.sms;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Spaces sends so that no one-second window ever holds more than {@code perSecond} of them: each send starts at least
 * {@code ceil(1 s / perSecond)} after the previous one ended, and sends run one at a time in arrival order. The spacing
 * is measured from the end of the previous send (the moment its bytes were written), so that a send that was late
 * cannot bunch up with the next one.
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

    private final int perSecond;
    private final long intervalNanos;
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock(true);
    private long next;
    private boolean started;

    RateLimiter(int perSecond, Ticker ticker) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("the rate is at least 1 per second");
        }
        this.perSecond = perSecond;
        this.intervalNanos = (TimeUnit.SECONDS.toNanos(1) + perSecond - 1) / perSecond;
        this.ticker = ticker;
    }

    int perSecond() {
        return perSecond;
    }

    long intervalNanos() {
        return intervalNanos;
    }

    /**
     * @return roughly how long a send asked for now would wait for its turn: the sends queued before it and the
     *         spacing after the last one
     */
    long expectedWaitNanos() {
        long now = ticker.nanoTime();
        long spacing;
        synchronized (this) {
            spacing = started ? Math.max(0, next - now) : 0;
        }
        return spacing + (long) lock.getQueueLength() * intervalNanos;
    }

    /** Runs {@code send} in its turn, waiting for it as long as needed (the caller checks {@link #expectedWaitNanos} first). */
    <T, X extends Exception> T run(Send<T, X> send) throws X {
        lock.lock();
        try {
            long wait;
            while ((wait = waitNanos()) > 0) {
                ticker.parkNanos(wait);
            }
            try {
                return send.run();
            } finally {
                synchronized (this) {
                    next = ticker.nanoTime() + intervalNanos;
                    started = true;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private synchronized long waitNanos() {
        return started ? next - ticker.nanoTime() : 0;
    }
}
