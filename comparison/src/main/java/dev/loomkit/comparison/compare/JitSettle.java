package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Holds a point's window until the server's JIT compilers have gone quiet. A server JVM serves
 * each scenario's points in turn, and a point's load reaches code the points before it did not
 * (or not as often): C1 and C2 then compile for seconds, on the server's own cores. Measured with
 * perf on a server with one core, {@code io} at 1,000 connections, 6 to 11 s after its start: the
 * compiler threads took 47% of the core and the request carriers 35%; sampled each second, their
 * CPU fell from 145 ticks in the first second of load to under 5 from the fourth on. A window
 * opened after a fixed one-second warm-up measured mostly the compiler.
 *
 * <p>The rule: the warm-up load goes on until the compiler threads ({@code C1 CompilerThre...},
 * {@code C2 CompilerThre...} in {@code /proc/<pid>/task/<tid>/comm}) used at most
 * {@link #QUIET_TICKS} ticks (10 ms each) in each of two consecutive half-second readings, or
 * until {@code cap} has passed; the hold is reported. Linux only; elsewhere, or for a server whose
 * process is unknown, nothing is held.
 */
final class JitSettle {
    /** Compiler CPU per half second that counts as quiet: 20 ms, 4% of a core. */
    static final long QUIET_TICKS = 2;
    private static final long STEP_MILLIS = 500;

    private JitSettle() {
    }

    /**
     * Waits while the server's compilers are busy.
     *
     * @param pid the server's process, or -1 if unknown
     * @param cap the longest hold
     * @return how long it held
     * @throws InterruptedException if interrupted while holding
     */
    static Duration await(long pid, Duration cap) throws InterruptedException {
        long start = System.nanoTime();
        if (pid < 0) {
            return Duration.ZERO;
        }
        long last = compilerTicks(pid);
        if (last < 0) {
            return Duration.ZERO;
        }
        int quiet = 0;
        while (quiet < 2 && System.nanoTime() - start < cap.toNanos()) {
            Thread.sleep(STEP_MILLIS); // a wall-clock pace for /proc readings, not a wait for a condition another thread signals
            long now = compilerTicks(pid);
            if (now < 0) {
                break;
            }
            quiet = now - last <= QUIET_TICKS ? quiet + 1 : 0;
            last = now;
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** {@return the CPU ticks of the process's JIT compiler threads so far, or -1 if /proc cannot tell} */
    static long compilerTicks(long pid) {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        sum += ticks(Files.readString(task.resolve("stat")));
                    }
                } catch (NoSuchFileException gone) {
                    // a thread that ended between the listing and the reading
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sum;
    }

    /** utime + stime from a {@code stat} line; the command field may hold spaces, so fields count from its closing parenthesis. */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) ", field 3 (state) is f[0]; utime is field 14, stime field 15.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
