package dev.loomkit.comparison.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Run in a child JVM: parks N threads of one kind and prints the growth of the process's resident
 * memory, so that the memory one parked thread costs can be divided out. Platform threads stop at
 * the first one the machine refuses to create, and the count reached is reported.
 */
public final class ParkedThreads {
    private ParkedThreads() {
    }

    public static void main(String kind, int count) throws Exception {
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
