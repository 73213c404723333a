package dev.loomkit.comparison.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Pins this JVM, every thread it has and every thread it starts from now on, to one CPU, with
 * util-linux's {@code taskset -a -c -p}: the last CPU it may run on now. For a benchmark whose figure
 * would otherwise depend on where the OS puts two threads that hand work to each other. The JVM's
 * own threads (JIT, GC) share that CPU too; the benchmark's warm-up lets the JIT go quiet first.
 * Without {@code taskset}, with one that does not print an affinity list (BusyBox prints a mask), or
 * if it fails, says so on standard error and goes on: the benchmark still runs, its error bars say
 * what that cost, and a {@code taskset -a} that failed part-way may have pinned some threads.
 */
final class OneCpu {
    private OneCpu() {
    }

    /** {@return the CPU pinned to, or -1 if the affinity was left alone} */
    static int pin() {
        return pin("taskset");
    }

    /** {@link #pin()} with the given taskset executable (tests: one that is not there). */
    static int pin(String taskset) {
        long pid = ProcessHandle.current().pid();
        try {
            int cpu = lastCpu(run(taskset, "-c", "-p", String.valueOf(pid)));
            run(taskset, "-a", "-c", "-p", String.valueOf(cpu), String.valueOf(pid));
            return cpu;
        } catch (IOException | RuntimeException e) {
            System.err.println("warning: could not pin the benchmark to one CPU (" + e.getMessage()
                    + "); two threads' hand-offs then depend on where the OS puts them");
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("warning: interrupted while pinning the benchmark to one CPU; left as it was");
            return -1;
        }
    }

    /**
     * {@return the last CPU of taskset's affinity list} For "pid 123's current affinity list: 0,2-3", 3.
     *
     * @throws NumberFormatException if it is not an affinity list, or ends in no CPU number
     */
    static int lastCpu(String tasksetOutput) {
        if (!tasksetOutput.contains("affinity list:")) {
            throw new NumberFormatException("not an affinity list: " + tasksetOutput.strip());
        }
        String cpus = tasksetOutput.substring(tasksetOutput.lastIndexOf(':') + 1).strip();
        String last = cpus.substring(cpus.lastIndexOf(',') + 1);
        return Integer.parseInt(last.substring(last.lastIndexOf('-') + 1).strip());
    }

    /** Runs {@code command} with its output in a file, so that the 10 s limit holds however much it prints or hangs. */
    private static String run(String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("loomkit-taskset", ".txt");
        Process p = null;
        try {
            var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().put("LC_ALL", "C"); // the affinity line in English, which lastCpu reads
            p = builder.start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " did not end within 10 s");
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out.strip());
            }
            return out;
        } finally {
            if (p != null) {
                p.destroyForcibly(); // a no-op once it has ended; on a timeout or an interrupt, it must not outlive us
            }
            Files.deleteIfExists(output);
        }
    }
}
