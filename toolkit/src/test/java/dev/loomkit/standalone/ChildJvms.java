package dev.loomkit.standalone;

import dev.loomkit.toolkit.sync.AsyncMutex;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For tests that need a fresh JVM: runs one, and gives the child's side a contended lock to make.
 * In a package of its own, so that a child with the toolkit on the module path still finds it on
 * the class path (the toolkit's packages there belong to the module).
 */
public final class ChildJvms {
    private ChildJvms() {
    }

    /**
     * Runs {@code command} to its end (at most 100 s), its output to a file in {@code dir}.
     *
     * @return what it printed
     * @throws AssertionError if it ran too long or exited with a failure (with its output)
     */
    public static String run(Path dir, List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "child", ".out");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!child.waitFor(100, TimeUnit.SECONDS)) {
                throw new AssertionError("the child JVM ran over 100 s: " + Files.readString(out, StandardCharsets.UTF_8));
            }
        } finally {
            child.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (child.exitValue() != 0) {
            throw new AssertionError("the child JVM exited with " + child.exitValue() + ": " + output);
        }
        return output;
    }

    /** {@return the java launcher of this JVM, to start a child on the same JDK} */
    public static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    /**
     * Makes one contended lock: a task queues for {@code mutex} while another holds it, then both
     * finish. Bounded: 10 s for the waiter to queue.
     */
    public static void contendOnce(AsyncMutex mutex) throws InterruptedException {
        var held = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        Thread holder = Thread.ofVirtual().start(() -> {
            try (var guard = mutex.lock()) {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.await();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try (var guard = mutex.lock()) {
                // got it after the holder let go
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mutex.queueLength() == 0) {
            if (System.nanoTime() - deadline > 0) {
                release.countDown();
                throw new AssertionError("the waiter did not queue for '" + mutex.name() + "' within 10 s");
            }
            Thread.onSpinWait();
        }
        release.countDown();
        holder.join();
        waiter.join();
    }
}
