package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A reading of a process from Linux's {@code /proc}: resident memory, OS threads, CPU time, and
 * context switches summed over its threads (a thread that ended takes its counts with it).
 *
 * @param rssKb        resident set size now
 * @param threads      OS threads now (virtual threads are not OS threads: this counts carriers)
 * @param cpuTicks     user + system CPU time, in clock ticks
 * @param voluntary    voluntary context switches (blocked, yielded)
 * @param involuntary  involuntary context switches (preempted)
 */
record ProcStats(long rssKb, long threads, long cpuTicks, long voluntary, long involuntary) {
    /** Clock ticks per second; 100 on Linux unless the kernel was built otherwise. */
    static final double TICKS_PER_SECOND = 100.0;

    static ProcStats read(long pid) throws IOException {
        Path dir = Path.of("/proc", Long.toString(pid));
        long[] rssAndThreads = rssAndThreads(pid);
        String stat = Files.readString(dir.resolve("stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long cpu = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        long vol = 0;
        long invol = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir.resolve("task"))) {
            for (Path task : tasks) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            vol += Long.parseLong(line.substring(24).strip());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            invol += Long.parseLong(line.substring(27).strip());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended while we looked
                }
            }
        }
        return new ProcStats(rssAndThreads[0], rssAndThreads[1], cpu, vol, invol);
    }

    /**
     * {@return the CPU time, in clock ticks, of this process's children that have ended and been
     * waited for (cutime + cstime): the cost of a child such as wrk, read as a difference across its run}
     */
    static long reapedChildrenCpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[13]) + Long.parseLong(f[14]); // cutime, cstime (fields 16 and 17)
    }

    /** {@return resident memory (kB) and OS threads now: a cheap reading, for sampling often} */
    static long[] rssAndThreads(long pid) throws IOException {
        long rss = 0;
        long threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = kb(line);
            } else if (line.startsWith("Threads:")) {
                threads = Long.parseLong(line.substring(8).strip());
            }
        }
        return new long[] {rss, threads};
    }

    /**
     * {@return how many CPUs the process may run on: its affinity ({@code Cpus_allowed_list} in
     * {@code /proc/<pid>/status}, as {@code 0-3,6}), at least 1}
     *
     * @throws IOException if the process cannot be read
     */
    static int allowedCpus(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return Math.max(1, countCpus(line.substring(18).strip()));
            }
        }
        return 1;
    }

    /** {@return the CPUs in a list such as {@code 0-3,6}} */
    static int countCpus(String list) {
        int n = 0;
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1).strip()) - Integer.parseInt(part.substring(0, dash).strip()) + 1;
        }
        return n;
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
