package dev.loomkit.comparison.compare;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the comparison: the same java, class path and preview flag as this one, plus the
 * given JVM flags; its standard output is read line by line, its errors go to a log file.
 */
final class ChildJvm implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BufferedReader out;

    private ChildJvm(String name, Process process) {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static ChildJvm start(String name, List<String> jvmFlags, List<String> args, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("--enable-preview");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.loomkit.comparison.Main");
        command.addAll(args);
        var pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new ChildJvm(name, pb.start());
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
    }
}
