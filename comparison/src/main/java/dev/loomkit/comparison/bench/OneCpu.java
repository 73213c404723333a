package dev.loomkit.comparison.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Pins this JVM, every thread it has and every thread it starts from now on, to one CPU, with
 * {@code taskset -a -p}: the last CPU it may run on now. For a benchmark whose figure would otherwise
 * depend on where the OS puts two threads that hand work to each other. Without {@code taskset}, or
 * if it fails, says so on standard error and leaves the affinity alone: the benchmark still runs, and
 * its error bars say what that cost.
 */
final class OneCpu {
    private OneCpu() {
    }

    /** {@return the CPU pinned to, or -1 if the affinity was left alone} */
    static int pin() {
        long pid = ProcessHandle.current().pid();
        try {
            int cpu = lastCpu(run("taskset", "-c", "-p", String.valueOf(pid)));
            run("taskset", "-a", "-c", "-p", String.valueOf(cpu), String.valueOf(pid));
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
     * @throws NumberFormatException if the line ends in no CPU number
     */
    static int lastCpu(String tasksetOutput) {
        String cpus = tasksetOutput.substring(tasksetOutput.lastIndexOf(':') + 1).strip();
        String last = cpus.substring(cpus.lastIndexOf(',') + 1);
        return Integer.parseInt(last.substring(last.lastIndexOf('-') + 1).strip());
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not end within 10 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out.strip());
        }
        return out;
    }
}
