package dev.loomkit.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.DeadlineExceededException;
import dev.loomkit.toolkit.Deadlines;
import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeCancelledException;
import dev.loomkit.toolkit.ScopeConfig;
import dev.loomkit.toolkit.sync.AsyncMutex;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 5: the toolkit stands alone. A child JVM has the toolkit as a named module and
 * SLF4J's API, with the observable modules limited to those (and what they require): Micrometer
 * and {@code java.net.http} are not there. Scopes, a deadline, a cancellation and a contended
 * {@code AsyncMutex} must all work. (Before, the descriptor required both transitively, and the
 * child could not even start.) The child's class is in a package of its own, on the class path.
 */
class StandaloneToolkitTest {

    @Test
    @Timeout(120)
    void testScopesDeadlinesAndTheMutexNeedNeitherMicrometerNorTheHttpClient(@TempDir Path dir) throws Exception {
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (entry.endsWith("test-classes")) {
                classPath.add(entry);
            } else if (entry.endsWith("classes") || name.startsWith("slf4j-api")) {
                modulePath.add(entry); // the toolkit (target/classes, with its module-info) and SLF4J's API
            }
        }
        assertEquals(2, modulePath.size(), "toolkit classes and slf4j-api on " + System.getProperty("java.class.path"));
        String output = ChildJvms.run(dir, List.of(ChildJvms.java(), "--enable-preview",
                "--module-path", String.join(File.pathSeparator, modulePath),
                "--add-modules", "dev.loomkit.toolkit",
                "--limit-modules", "dev.loomkit.toolkit",
                "-cp", String.join(File.pathSeparator, classPath),
                Child.class.getName()));
        assertTrue(output.contains("micrometer=false http=false"), output);
        assertTrue(output.contains("standalone: deadline, cancellation, mutex ok"), output);
    }

    /** Runs in the child JVM. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            System.out.println("micrometer=" + ModuleLayer.boot().findModule("micrometer.core").isPresent()
                    + " http=" + ModuleLayer.boot().findModule("java.net.http").isPresent());
            try (var scope = Scope.open(ScopeConfig.named("alone").withTimeout(Duration.ofMillis(50)), JoinPolicy.failFast())) {
                scope.fork("waits", () -> {
                    if (Deadlines.remaining().isEmpty()) {
                        throw new AssertionError("no time left was visible inside the scope");
                    }
                    new CountDownLatch(1).await();
                    return null;
                });
                scope.join();
                throw new AssertionError("the deadline did not end the scope");
            } catch (DeadlineExceededException expected) {
                // as it should
            }
            var started = new CountDownLatch(1);
            try (var scope = Scope.open("cancelled")) {
                scope.fork("blocked", () -> {
                    started.countDown();
                    new CountDownLatch(1).await();
                    return null;
                });
                started.await();
                scope.cancel(CancelReason.explicit("enough"));
                scope.join();
                throw new AssertionError("the cancellation did not end the scope");
            } catch (ScopeCancelledException expected) {
                // as it should
            }
            ChildJvms.contendOnce(AsyncMutex.create("alone"));
            System.out.println("standalone: deadline, cancellation, mutex ok");
        }
    }
}
