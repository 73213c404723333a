package dev.loomkit.comparison.bench;

import dev.loomkit.comparison.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * Run in a child JVM: parks N threads of one kind and prints the growth of the process's resident
 * memory, so that the memory one parked thread costs can be divided out. Platform threads stop at
 * the first one the machine refuses to create, and the count reached is reported.
 */
public final class ParkedThreads {
    private ParkedThreads() {
    }

    /** {@code parked virtual|platform N}: the microbenchmarks' child, not for people. */
    @Command(name = "parked", hidden = true, description = "Parks N threads of a kind and prints the RSS they grew by.")
    public static final class ParkedCommand implements Callable<Integer> {
        @Mixin
        private Cli.Help help;
        @Parameters(index = "0", paramLabel = "KIND", description = "virtual or platform")
        private String kind;
        @Parameters(index = "1", paramLabel = "N", description = "how many")
        private int count;

        @Override
        public Integer call() throws Exception {
            if (!kind.equals("virtual") && !kind.equals("platform")) {
                throw new IllegalArgumentException("parked takes virtual or platform, not '" + kind + "'");
            }
            if (count < 1) {
                throw new IllegalArgumentException("parked needs at least one thread, got " + count);
            }
            park(kind, count);
            return 0;
        }
    }

    private static void park(String kind, int count) throws Exception {
        System.gc();
        long before = rssKb();
        var parked = new CountDownLatch(count);
        var release = new CountDownLatch(1);
        Thread.Builder builder = kind.equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
        List<Thread> threads = new ArrayList<>(Math.min(count, 1_000_000));
        int created = 0;
        String refused = "";
        for (; created < count; created++) {
            try {
                threads.add(builder.start(() -> {
                    parked.countDown();
                    while (release.getCount() > 0) {
                        LockSupport.park();
                    }
                }));
            } catch (OutOfMemoryError e) {
                refused = " refused: " + e.getMessage();
                break;
            }
        }
        for (int i = created; i < count; i++) {
            parked.countDown();
        }
        parked.await();
        System.gc();
        long after = rssKb();
        System.out.printf("PARKED %s %d %d %d%s%n", kind, created, before, after, refused);
        System.out.flush();
        release.countDown();
        threads.forEach(LockSupport::unpark);
        System.exit(0);
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
