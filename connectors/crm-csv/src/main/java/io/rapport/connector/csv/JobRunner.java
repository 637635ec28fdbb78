package io.rapport.connector.csv;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.ImportService.Job;
import io.rapport.api.imports.ImportService.Progress;

/**
 * Claims the waiting jobs of a format one after the other and hands their records to the kernel in batches, from
 * the line after the last one the kernel stored.
 */
final class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class.getName());

    private final ImportService imports;
    private final String format;
    private final int batchSize;
    private volatile boolean stopping;

    JobRunner(ImportService imports, String format, int batchSize) {
        this.imports = imports;
        this.format = format;
        this.batchSize = batchSize;
    }

    /** Stops after the batch under way; the job stays running until its lease runs out, then resumes where it was. */
    void stop() {
        stopping = true;
    }

    /** Runs every job waiting now, oldest first. */
    void runWaiting() {
        while (!stopping) {
            Optional<Job> job = imports.claim(format);
            if (job.isEmpty()) {
                return;
            }
            run(job.get());
        }
    }

    void run(Job job) {
        try {
            boolean finished = ImportService.KIND_ORDERS.equals(job.kind()) ? orders(job) : contacts(job);
            if (finished) {
                imports.finish(job.id(), null);
            }
        } catch (NoSuchFileException e) {
            imports.finish(job.id(), "the file is gone: " + e.getMessage());
        } catch (IOException e) {
            imports.finish(job.id(), "the file cannot be read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // bad options, or a file that is not CSV at all: the job's failure, in the reader's words
            imports.finish(job.id(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Import job " + job.id() + " stopped; it resumes once its lease runs out", e);
        }
    }

    private interface Reading<T> {
        Batch<T> next(int maxRows) throws IOException;
    }

    private interface Writing<T> {
        Progress write(java.util.UUID job, java.util.List<T> records, java.util.List<io.rapport.api.imports.Rejected> rejected, long lastLine);
    }

    private boolean contacts(Job job) throws IOException {
        try (ContactFileReader reader = ContactFileReader.open(job.file(), job.options(), job.linesDone())) {
            return feed(job, reader::next, (id, records, rejected, line) -> imports.contacts(id, records, rejected, line, null));
        }
    }

    private boolean orders(Job job) throws IOException {
        try (OrderFileReader reader = OrderFileReader.open(job.file(), job.options(), job.linesDone())) {
            return feed(job, reader::next, (id, records, rejected, line) -> imports.orders(id, records, rejected, line, null));
        }
    }

    /**
     * Hands the batches over in order while the next one is read and mapped on a thread of its own: the kernel writes
     * one batch while the file's next rows are parsed, so that the database and the parsing each have a core.
     *
     * @return true when every record was handed over or the job was cancelled; false when stopping
     */
    private <T> boolean feed(Job job, Reading<T> reader, Writing<T> writer) throws IOException {
        ExecutorService ahead = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rapport-import-reader-" + job.id());
            t.setDaemon(true);
            return t;
        });
        Future<Batch<T>> next = ahead.submit(() -> reader.next(batchSize));
        try {
            while (!stopping) {
                Batch<T> b = result(next);
                if (b.isEmpty()) {
                    return true;
                }
                next = ahead.submit(() -> reader.next(batchSize));
                if (writer.write(job.id(), b.records(), b.rejected(), b.lastLine()).cancelled()) {
                    return true;
                }
            }
            return false;
        } finally {
            // the reader is closed after this returns: let the read under way end first
            try {
                next.get();
            } catch (ExecutionException e) {
                // already reported, or of no interest once the job ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ahead.shutdown();
        }
    }

    /** @return the batch read, or the reader's own exception */
    private static <T> Batch<T> result(Future<Batch<T>> read) throws IOException {
        try {
            return read.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the file", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
