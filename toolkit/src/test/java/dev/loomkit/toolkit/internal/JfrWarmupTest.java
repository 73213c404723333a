package dev.loomkit.toolkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.DeadlineExceededException;
import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeCancelledException;
import dev.loomkit.toolkit.ScopeConfig;
import dev.loomkit.standalone.ChildJvms;
import dev.loomkit.toolkit.sync.AsyncMutex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, item 15: no task waits for JFR. Each case runs in a fresh JVM (a child process: the
 * surefire JVM's JFR state depends on which tests ran before it).
 * <ul>
 *   <li>JFR never started: a deadline and a contended lock must not start JFR, nor load an event
 *       class (the JVM's class-loading log, on the child's stdout, says which it loaded).</li>
 *   <li>A recording started with the JVM: the toolkit's first cancellation comes while the event
 *       classes are still being made ready, and its event must still reach the recording.</li>
 * </ul>
 */
class JfrWarmupTest {

    @Test
    @Timeout(120)
    void testWithoutARecordingNothingLoadsJfr(@TempDir Path dir) throws Exception {
        String output = child(dir, List.of("-Xlog:class+load=info:stdout"), "no-recording");
        int marker = output.indexOf("without a recording: ");
        assertTrue(marker >= 0, output);
        assertTrue(output.startsWith("without a recording: jfr=false warmed=false", marker), output.substring(marker));
        String before = output.substring(0, marker);
        for (String event : List.of(ScopeCancelledEvent.class.getName(), MutexWaitEvent.class.getName())) {
            assertFalse(before.contains(event + " "), event + " was loaded, with no recording to take its events");
        }
    }

    @Test
    @Timeout(120)
    void testAnEventMadeBeforeTheWarmUpEndedReachesTheRecording(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("early.jfr");
        String output = child(dir, List.of("-XX:StartFlightRecording:name=early,settings=none,+dev.loomkit.ScopeCancelled#enabled=true"),
                "recording", file.toString());
        assertTrue(output.contains("warmed when the cancellation ended: false"), output);
        assertTrue(output.contains("early cancellation events recorded: 1"), output);
    }

    private static String child(Path dir, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ChildJvms.java(), "--enable-preview"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        command.addAll(List.of(args));
        return ChildJvms.run(dir, command);
    }

    /** Runs in the child JVM. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            if (args[0].equals("no-recording")) {
                deadlineAndContendedLock();
                System.out.println("without a recording: jfr=" + FlightRecorder.isInitialized() + " warmed=" + JfrWarmup.isReady());
            } else {
                earlyCancellation(Path.of(args[1]));
            }
        }

        /** A deadline, and a contended lock: each made an event before, which needs JFR's classes. */
        private static void deadlineAndContendedLock() throws Exception {
            try (var scope = Scope.open(ScopeConfig.named("early-deadline").withTimeout(Duration.ofMillis(20)), JoinPolicy.failFast())) {
                scope.fork("waits", () -> {
                    new CountDownLatch(1).await();
                    return null;
                });
                scope.join();
                throw new AssertionError("the deadline did not end the scope");
            } catch (DeadlineExceededException expected) {
                // as it should
            }
            ChildJvms.contendOnce(AsyncMutex.create("early-mutex"));
        }

        /** The first scope of the process is cancelled at once, with the startup recording running. */
        private static void earlyCancellation(Path file) throws Exception {
            // Held, so that the cancellation comes before the warm-up has ended on any machine (with
            // JFR running from the start, the warm-up is quicker than the first fork).
            var hold = new CountDownLatch(1);
            JfrWarmup.holdForTests = hold;
            var started = new CountDownLatch(1);
            try (var scope = Scope.open("early-cancel")) { // its class starts the warm-up
                scope.fork("blocked", () -> {
                    started.countDown();
                    new CountDownLatch(1).await();
                    return null;
                });
                started.await();
                scope.cancel(CancelReason.explicit("at once"));
                scope.join();
            } catch (ScopeCancelledException expected) {
                // as it should
            }
            System.out.println("warmed when the cancellation ended: " + JfrWarmup.isReady());
            hold.countDown();
            if (!JfrWarmup.awaitReady(Duration.ofSeconds(60))) {
                throw new AssertionError("the warm-up did not end");
            }
            Recording recording = FlightRecorder.getFlightRecorder().getRecordings().stream()
                    .filter(r -> r.getName().equals("early")).findFirst().orElseThrow();
            recording.stop();
            recording.dump(file);
            long n = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.loomkit.ScopeCancelled"))
                    .filter(e -> "early-cancel".equals(e.getString("scope")))
                    .count();
            System.out.println("early cancellation events recorded: " + n);
        }
    }
}
