package dev.loomkit.server;

/** Waiting that must finish: an interrupt is remembered and restored, never allowed to cut it short. */
final class Uninterruptibly {
    private Uninterruptibly() {
    }

    /** Waits until {@code thread} has ended; restores the caller's interrupt status if one arrived. */
    static void join(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
