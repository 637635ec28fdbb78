package io.rapport.bench;

import java.util.ArrayList;
import java.util.List;

/** Runs one body on several client threads at once (each takes its share of a counter) and times the whole. */
final class Parallel {

    private Parallel() {
    }

    /** @return the seconds from the start of the first thread to the end of the last */
    static double seconds(int threads, Runnable body) throws InterruptedException {
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(body, "bench-client-" + t);
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
