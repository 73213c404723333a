package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived command and collects its output within a time limit. The output goes to a
 * temporary file, not a pipe read before the wait: a child that hangs (or leaves a grandchild
 * holding the pipe open) cannot block the caller past the limit.
 */
final class Subprocess {
    /** What a finished command printed (standard output and error together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    private Subprocess() {
    }

    /**
     * Runs {@code command} and waits at most {@code limit} for it to end.
     *
     * @return its exit code and output
     * @throws IOException          if it cannot start, or is still running at the limit (it is then
     *                              killed); the message names the command
     * @throws InterruptedException if interrupted while waiting (the command is killed)
     */
    static Result run(List<String> command, Duration limit) throws IOException, InterruptedException {
        Path out = Files.createTempFile("loomkit-subprocess-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended;
            try {
                ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw e;
            }
            if (!ended) {
                p.descendants().forEach(ProcessHandle::destroyForcibly); // a grandchild would outlive it
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + limit.toMillis() + " ms");
            }
            // Decoded leniently: a stray byte in a tool's output must not fail the run.
            return new Result(p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
