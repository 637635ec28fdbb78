package io.rapport.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of the server process (from /proc) and of this driver, to tell how busy the two cores were. */
final class CpuMeter {

    record Mark(long nanos, long serverTicks, long driverCpuNanos) {
    }

    private final long pid;
    private final long ticksPerSecond;

    CpuMeter(long pid, long ticksPerSecond) {
        this.pid = pid;
        this.ticksPerSecond = ticksPerSecond;
    }

    Mark mark() {
        return new Mark(System.nanoTime(), serverTicks(), driverCpu());
    }

    ClosedLoop.Sample since(Mark m) {
        Mark now = mark();
        double seconds = (now.nanos() - m.nanos()) / 1e9;
        double server = m.serverTicks() < 0 || now.serverTicks() < 0 ? Double.NaN
                : (now.serverTicks() - m.serverTicks()) / (double) ticksPerSecond / seconds;
        double driver = m.driverCpuNanos() < 0 ? Double.NaN : (now.driverCpuNanos() - m.driverCpuNanos()) / 1e9 / seconds;
        return new ClosedLoop.Sample(server, driver);
    }

    /** utime + stime of the server, in clock ticks; -1 if unknown. */
    long serverTicks() {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set of the server in kB; -1 if unknown. */
    long serverRssKb() {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long driverCpu() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }
}
