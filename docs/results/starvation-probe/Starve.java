/*
 * A probe for the virtual-thread scheduler's fairness to external submissions (ADR 0007).
 * WORKERS virtual threads pass PERMITS semaphore permits around, each burning 1 ms of CPU while it
 * holds one; a platform thread unparks a parked "probe" virtual thread every 20 ms and records how
 * long it takes to run. With -Dext=true a worker's release is handed to a platform thread, so
 * that the hand-off is an external submission too. Run: java Starve.java 10 no 2
 * (optionally under taskset -c 1 for one carrier). Stops after 200 wakes or 20 s.
 */
import java.util.concurrent.*;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.*;

public class Starve {
    static final boolean EXT = Boolean.getBoolean("ext");
    static final java.util.concurrent.ExecutorService WAKER = java.util.concurrent.Executors.newSingleThreadExecutor(r -> { Thread t = new Thread(r); t.setDaemon(true); return t; });
    static volatile long sink;
    static void burn(long nanos) { long end = System.nanoTime() + nanos; long x = 0; while (System.nanoTime() < end) { x += x * 31 + 7; } sink = x; }
    public static void main(String[] a) throws Exception {
        int workers = Integer.parseInt(a[0]);      // CPU-bound virtual threads handing a token around
        boolean yield = a.length > 1 && a[1].equals("yield");
        Semaphore sem = new Semaphore(Integer.parseInt(a.length > 2 ? a[2] : "4"));
        AtomicBoolean stop = new AtomicBoolean();
        for (int i = 0; i < workers; i++) {
            Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try { sem.acquire(); } catch (InterruptedException e) { return; }
                    try { burn(1_000_000); } finally { if (EXT) WAKER.execute(sem::release); else sem.release(); }
                    if (yield) Thread.yield();
                }
            });
        }
        // The probe: a virtual thread parked; a platform thread unparks it every 20 ms and times how long until it runs.
        AtomicLong unparkedAt = new AtomicLong();
        long[] lat = new long[200];
        AtomicInteger n = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        Thread probe = Thread.ofVirtual().start(() -> {
            while (n.get() < lat.length) {
                LockSupport.park();
                long t = unparkedAt.getAndSet(0);
                if (t != 0) lat[n.getAndIncrement()] = System.nanoTime() - t;
            }
            done.countDown();
        });
        Thread.sleep(500);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (done.getCount() > 0 && System.nanoTime() < deadline) {
            if (unparkedAt.get() == 0) { unparkedAt.set(System.nanoTime()); LockSupport.unpark(probe); }
            Thread.sleep(20);
        }
        stop.set(true);
        int k = n.get();
        long[] s = java.util.Arrays.copyOf(lat, k); java.util.Arrays.sort(s);
        System.out.printf("workers=%d yield=%s wakes=%d p50=%.1fms p99=%.1fms max=%.1fms%n", workers, yield, k,
            k > 0 ? s[k/2]/1e6 : -1, k > 0 ? s[(int)(k*0.99)]/1e6 : -1, k > 0 ? s[k-1]/1e6 : -1);
        System.exit(0);
    }
}
