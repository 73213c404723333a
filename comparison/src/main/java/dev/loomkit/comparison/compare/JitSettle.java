package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Holds a point's window until the server's JIT compilers have gone quiet. A server JVM serves
 * each scenario's points in turn, and a point's load reaches code the points before it did not
 * (or not as often): C1 and C2 then compile for seconds, on the server's own cores. Measured with
 * perf on a server with one core, {@code io} at 1,000 connections, 6 to 11 s after its start: the
 * compiler threads took 47% of the core and the request carriers 35%; sampled each second, their
 * CPU fell from 145 ticks in the first second of load to under 5 from the fourth on. A window
 * opened after a fixed one-second warm-up measured mostly the compiler.
 *
 * <p>The rule: the warm-up load goes on for the warm-up's time, and on until the compiler threads
 * ({@code C1 CompilerThre...}, {@code C2 CompilerThre...} in {@code /proc/<pid>/task/<tid>/comm})
 * used at most {@link #QUIET_TICKS} ticks (10 ms each) in each of the last two half-second
 * readings, or until {@code cap} has passed. Two quiet readings take a second, so with a warm-up
 * shorter than that the hold is at least that second ({@link #shortestHold}). The ticks are counted per thread: the JVM stops idle compiler
 * threads, and a sum over the threads alive would fall when one ends. Linux only; elsewhere, or
 * for a server whose process is unknown, the warm-up alone is held.
 */
final class JitSettle {
    /** Compiler CPU per half second that counts as quiet: 20 ms, 4% of a core. */
    static final long QUIET_TICKS = 2;
    static final long STEP_MILLIS = 500;

    private JitSettle() {
    }

    /**
     * {@return the shortest hold {@link #await} gives: the warm-up, or for a server whose compilers
     * are read the two quiet readings if they take longer} What a hold takes past it is the time
     * held for the JIT.
     *
     * @param pid     the server's process, or -1 if unknown
     * @param atLeast the warm-up
     */
    static Duration shortestHold(long pid, Duration atLeast) {
        Duration readings = Duration.ofMillis(2 * STEP_MILLIS);
        return pid < 0 || atLeast.compareTo(readings) >= 0 ? atLeast : readings;
    }

    /**
     * Holds the warm-up: at least {@code atLeast}, and on until the server's compilers are quiet.
     *
     * @param pid     the server's process, or -1 if unknown (then exactly {@code atLeast})
     * @param atLeast the warm-up: the shortest hold, whatever the compilers do
     * @param cap     the longest hold (at least {@code atLeast})
     * @return how long it held
     * @throws InterruptedException if interrupted while holding
     */
    static Duration await(long pid, Duration atLeast, Duration cap) throws InterruptedException {
        return await(pid < 0 ? () -> null : () -> compilerTicksByThread(pid), atLeast, cap);
    }

    /**
     * The readings taken during the warm-up count: the window opens once {@code atLeast} has passed
     * and the last two readings were quiet. A hold that read the compilers only after a separate
     * warm-up took a second more per point, 45 s of a default run (timing.csv of run j).
     *
     * @param reader the compiler threads' ticks by thread id, or null if they cannot be read
     */
    static Duration await(Supplier<Map<Long, Long>> reader, Duration atLeast, Duration cap) throws InterruptedException {
        long start = System.nanoTime();
        long least = atLeast.toNanos();
        long most = Math.max(least, cap.toNanos());
        Map<Long, Long> last = reader.get();
        int quiet = 0;
        while (last != null && System.nanoTime() - start < most && (quiet < 2 || System.nanoTime() - start < least)) {
            Thread.sleep(STEP_MILLIS); // a wall-clock pace for /proc readings, not a wait for a condition another thread signals
            Map<Long, Long> now = reader.get();
            if (now != null) {
                quiet = compiled(last, now) <= QUIET_TICKS ? quiet + 1 : 0;
            }
            last = now;
        }
        long left = least - (System.nanoTime() - start);
        if (left > 0) {
            Thread.sleep(Duration.ofNanos(left)); // the warm-up itself: load for a set time, nothing to wait for
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** {@return the ticks the compiler threads used between two readings: each thread's increase, a new thread's all} */
    static long compiled(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (var e : after.entrySet()) {
            sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }

    /** {@return the CPU ticks so far of each of the process's JIT compiler threads, by thread id, or null if /proc cannot tell} */
    static Map<Long, Long> compilerTicksByThread(long pid) {
        Map<Long, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        ticks.put(Long.parseLong(task.getFileName().toString()), ticks(Files.readString(task.resolve("stat"))));
                    }
                } catch (NoSuchFileException gone) {
                    // a thread that ended between the listing and the reading
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return ticks;
    }

    /** utime + stime from a {@code stat} line; the command field may hold spaces, so fields count from its closing parenthesis. */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) ", field 3 (state) is f[0]; utime is field 14, stime field 15.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
