package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.load.LoadLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the comparison: the same java, class path and preview flag as this one, plus the
 * given JVM flags; its standard output is read line by line, its errors go to a log file.
 */
final class ChildJvm implements AutoCloseable {
    /**
     * Where {@code setsid} exists and Linux's autogroup scheduling is on, each child starts in a
     * session of its own, hence a scheduling group of its own: the kernel then shares the cores
     * between the JVMs, not between their threads. Without it, a server with 1,000 runnable
     * platform threads gets about 1,000 shares to the load generator's few, the generator is
     * starved, and its latencies measure its own waiting: a bias against the pools, and it would
     * grow with the pool.
     */
    private static final String SETSID = findSetsid();
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        // Children in sessions of their own do not get the terminal's Ctrl-C: stop them on the way out.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "child-jvm-reaper"));
    }

    private final String name;
    private final Process process;
    private final BufferedReader out;

    private ChildJvm(String name, Process process) {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static ChildJvm start(String name, List<String> jvmFlags, List<String> args, Path log) throws IOException {
        return start(name, List.of(), jvmFlags, args, log);
    }

    /**
     * Starts a child JVM.
     *
     * @param cpus a command prefix that places it on some CPUs ({@link CpuPlacement}), or empty
     */
    static ChildJvm start(String name, List<String> cpus, List<String> jvmFlags, List<String> args, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        if (SETSID != null) {
            command.add(SETSID); // not a group leader, so setsid execs in place: the pid stays the JVM's
        }
        command.addAll(cpus); // taskset execs in place too
        command.add(java);
        command.add("--enable-preview");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.loomkit.comparison.Main");
        command.addAll(args);
        var pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = pb.start();
        LIVE.add(process);
        return new ChildJvm(name, process);
    }

    /** {@return how the children are scheduled, for the report} */
    static String scheduling() {
        return SETSID != null
                ? "each JVM in a scheduling group of its own (setsid, autogroup on): the cores are shared between processes, not threads"
                : "all JVMs in one scheduling group (no setsid, or autogroup off): the cores are shared between threads";
    }

    private static String findSetsid() {
        try {
            if (!Files.readString(Path.of("/proc/sys/kernel/sched_autogroup_enabled")).strip().equals("1")) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        for (String candidate : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    long pid() {
        return process.pid();
    }

    /** {@return the next line of output} @throws IOException if the child ended first */
    String readLine() throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new IOException(name + " ended unexpectedly (exit " + exitCodeIfDone() + "); see its log");
        }
        return line;
    }

    /**
     * From now on copies what the child prints to {@code log}, on a thread of its own: a child whose
     * output nobody reads blocks once the pipe is full (a server run with {@code -Xlog:gc}, say),
     * and its stall would be measured as the server's.
     */
    void drainTo(Path log) {
        Thread.ofVirtual().name("drain-" + name).start(() -> {
            try (var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND)) {
                for (String line; (line = out.readLine()) != null; ) {
                    w.write(line);
                    w.newLine();
                    w.flush();
                }
            } catch (IOException e) {
                // the child ended, or the log cannot be written: nothing more to copy
            }
        });
    }

    /** Writes one line to the child's standard input. */
    void send(String line) throws IOException {
        var w = process.outputWriter(StandardCharsets.UTF_8);
        w.write(line);
        w.newLine();
        w.flush();
    }

    /** Reads lines until one starts with {@code prefix} and contains {@code part}, and returns it. */
    /** Reads lines until one is the load generator's {@code phase} line of point {@code point}, and returns it. */
    LoadLine awaitLoadLine(int point, String phase) throws IOException {
        while (true) {
            var line = LoadLine.parse(readLine());
            if (line.isPresent() && line.get().point() == point && line.get().phase().equals(phase)) {
                return line.get();
            }
        }
    }

    /** Reads lines until one starts with {@code prefix}, and returns it. */
    String awaitLine(String prefix) throws IOException {
        for (String line; ; ) {
            line = readLine();
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    private String exitCodeIfDone() {
        return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
    }

    boolean waitFor(Duration d) throws InterruptedException {
        return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks the child to stop (SIGTERM: its shutdown hooks run), then insists after a bound. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        LIVE.remove(process);
    }
}
