package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which CPUs each process of a run may use. The server under test gets CPUs of its own; the load
 * generator (built-in or wrk) and the backend share the rest. Otherwise the three compete for the
 * same cores, the server gets what the scheduler leaves it, and a scenario meant to be I/O-bound
 * becomes CPU-bound on the generator's and the backend's account.
 *
 * <p>Placement is by {@code taskset -c}, which sets the affinity and then execs the JVM, so the
 * JVM sees only its CPUs from its first instruction: its processor count, hence its GC threads and
 * its virtual-thread scheduler's parallelism, follow. Without {@code taskset}, or with fewer than
 * two usable CPUs, every process shares every CPU, and the run says so.
 *
 * @param server  the server's CPUs, as a taskset list ("1"), or empty when not placed
 * @param others  the load generator's and backend's CPUs, or empty when not placed
 * @param serverCount how many CPUs the server has (all usable ones when not placed)
 * @param taskset the taskset executable, or null when not placed
 * @param note    why there is no placement, or null when there is
 */
record CpuPlacement(String server, String others, int serverCount, String taskset, String note) {

    /**
     * Chooses the placement.
     *
     * @param serverCpus CPUs for the server: -1 for half of the usable ones (at least one), 0 for no
     *                   placement, else that many
     * @return the placement
     * @throws IllegalArgumentException if more CPUs are asked for than leave one for the others
     */
    static CpuPlacement choose(int serverCpus) {
        List<Integer> usable = usableCpus();
        String taskset = find("taskset");
        if (serverCpus == 0) {
            return shared(usable.size(), "asked for none (--server-cpus 0)");
        }
        if (serverCpus > 0 && serverCpus >= usable.size()) {
            throw new IllegalArgumentException("--server-cpus " + serverCpus + " leaves no CPU for the load generator and backend: this process may use "
                    + usable.size() + " CPU(s) (" + list(usable) + "); give the server at most " + (usable.size() - 1) + ", or 0 to share them all");
        }
        if (usable.size() < 2) {
            return shared(usable.size(), "only one CPU is usable");
        }
        if (taskset == null) {
            return shared(usable.size(), "taskset is not installed (Debian: apt-get install util-linux)");
        }
        int n = serverCpus > 0 ? serverCpus : Math.max(1, usable.size() / 2);
        // The server takes the last CPUs: CPU 0 tends to take more of the machine's interrupts.
        List<Integer> server = usable.subList(usable.size() - n, usable.size());
        List<Integer> others = usable.subList(0, usable.size() - n);
        return new CpuPlacement(list(server), list(others), n, taskset, null);
    }

    private static CpuPlacement shared(int cpus, String why) {
        return new CpuPlacement("", "", cpus, null, why);
    }

    /** {@return whether the processes have CPUs of their own} */
    boolean placed() {
        return taskset != null;
    }

    /** {@return the command prefix that runs a process on the server's CPUs, or nothing} */
    List<String> serverPrefix() {
        return placed() ? List.of(taskset, "-c", server) : List.of();
    }

    /** {@return the command prefix that runs a process on the load generator's and backend's CPUs, or nothing} */
    List<String> othersPrefix() {
        return placed() ? List.of(taskset, "-c", others) : List.of();
    }

    /** {@return how many CPUs the load generator and backend have} */
    int othersCount() {
        return placed() ? others.split(",").length : serverCount;
    }

    /** {@return the placement in a sentence, for the console and the report} */
    String describe() {
        return placed()
                ? "server on CPU(s) " + server + "; load generator and backend on CPU(s) " + others + " (taskset)"
                : "not placed: every process shares every CPU (" + note + "); the server gets what the scheduler leaves it";
    }

    /** The CPUs this process may run on, from /proc; all of {@code availableProcessors} if that cannot be read. */
    static List<Integer> usableCpus() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Cpus_allowed_list:")) {
                    return parseList(l.substring(18).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: not Linux, or a format we do not know
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            all.add(i);
        }
        return all;
    }

    /** Parses a Linux CPU list such as {@code 0-3,8,10-11}. */
    static List<Integer> parseList(String s) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : s.split(",")) {
            int dash = part.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
            for (int c = from; c <= to; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }

    private static String list(List<Integer> cpus) {
        return cpus.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static String find(String program) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of("/usr/bin", "/bin"));
        if (path != null) {
            dirs.addAll(0, List.of(path.split(":")));
        }
        for (String d : dirs) {
            Path p = Path.of(d, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
