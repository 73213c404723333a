import dev.loomkit.toolkit.*;
import java.time.Duration;
import java.time.Instant;

/**
 * How late a fresh JVM's first deadline is, against the next ones: a scope with a 50 ms deadline
 * whose one task sleeps. Per round: how long open and fork took, how long after the deadline the
 * task saw its interrupt ("woke", -1 if the deadline came before the task started), the owner
 * caught DeadlineExceededException ("caught"), and the scope had closed ("late").
 *
 * <pre>
 * J=/usr/lib/jvm/temurin-25-jdk-amd64/bin
 * ./loomkit mvn -q -pl toolkit install -DskipTests -Dmaven.javadoc.skip=true
 * CP=toolkit/target/loomkit-toolkit-0.1.0-SNAPSHOT.jar:$HOME/.m2/repository/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar
 * $J/javac --release 25 --enable-preview -cp $CP -d /tmp/probe docs/results/first-deadline-probe/FirstDeadline.java
 * for i in 1 2 3 4 5 6 7 8; do $J/java --enable-preview -cp $CP:/tmp/probe FirstDeadline 3; done
 * </pre>
 */
public class FirstDeadline {
    static final Instant[] WOKE = new Instant[1], CAUGHT = new Instant[1];
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a.length > 0 ? a[0] : "5");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            long opened = 0, forked = 0;
            Instant deadline = null;
            try (var scope = Scope.open(ScopeConfig.named("probe").withTimeout(Duration.ofMillis(50)), JoinPolicy.failFast())) {
                opened = System.nanoTime();
                deadline = scope.deadline().orElseThrow();
                scope.fork("sleeper", () -> { try { Thread.sleep(10_000); } catch (InterruptedException e) { WOKE[0] = Instant.now(); throw e; } return null; });
                forked = System.nanoTime();
                scope.join();
            } catch (DeadlineExceededException e) {
                CAUGHT[0] = Instant.now();
            }
            long end = System.nanoTime();
            Instant now = Instant.now();
            long lateMs = Duration.between(deadline, now).toMillis();
            out.append(String.format("%d: open %dms fork %dms woke %dms caught %dms late %dms total %dms%n", i, (opened - t0) / 1_000_000,
                    (forked - opened) / 1_000_000, WOKE[0] == null ? -1 : Duration.between(deadline, WOKE[0]).toMillis(), Duration.between(deadline, CAUGHT[0]).toMillis(), lateMs, (end - t0) / 1_000_000));
        }
        System.out.print(out);
    }
}
