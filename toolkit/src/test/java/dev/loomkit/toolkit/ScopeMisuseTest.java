package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Misuse gets a precise exception. */
@Timeout(30)
class ScopeMisuseTest {

    @Test
    void testForkAfterJoinIsRejected() throws Exception {
        try (var scope = Scope.open("joined")) {
            scope.fork("a", () -> 1);
            scope.join();
            var e = assertThrows(IllegalStateException.class, () -> scope.fork("late", () -> 2));
            assertEquals("scope 'joined' has already joined: cannot fork 'late' after join", e.getMessage());
        }
    }

    @Test
    void testJoinTwiceIsRejected() throws Exception {
        try (var scope = Scope.open("twice")) {
            scope.join();
            var e = assertThrows(IllegalStateException.class, scope::join);
            assertTrue(e.getMessage().contains("join may be called once"), e.getMessage());
        }
    }

    @Test
    void testJoinFromAnotherThreadIsRejected() throws Exception {
        try (var scope = Scope.open("owned")) {
            var thrown = new AtomicReference<Throwable>();
            Thread other = Thread.ofPlatform().name("intruder").start(() -> {
                try {
                    scope.join();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            other.join();
            assertTrue(thrown.get() instanceof WrongThreadException, String.valueOf(thrown.get()));
            assertTrue(thrown.get().getMessage().contains("join was called from 'intruder'"), thrown.get().getMessage());
            scope.join();
        }
    }

    @Test
    void testForkAndCloseFromAnotherThreadAreRejected() throws Exception {
        try (var scope = Scope.open("owned")) {
            var fork = new AtomicReference<Throwable>();
            var close = new AtomicReference<Throwable>();
            Thread other = Thread.ofVirtual().start(() -> {
                try {
                    scope.fork("x", () -> 1);
                } catch (Throwable t) {
                    fork.set(t);
                }
                try {
                    scope.close();
                } catch (Throwable t) {
                    close.set(t);
                }
            });
            other.join();
            assertTrue(fork.get() instanceof WrongThreadException, String.valueOf(fork.get()));
            assertTrue(close.get() instanceof WrongThreadException, String.valueOf(close.get()));
            scope.join();
        }
    }

    @Test
    void testUseAfterCloseIsRejected() throws Exception {
        Scope<Object, Void> closed;
        try (var scope = Scope.open("closed")) {
            closed = scope;
            scope.join();
        }
        var fork = assertThrows(IllegalStateException.class, () -> closed.fork("x", () -> 1));
        assertEquals("scope 'closed' is closed: cannot fork 'x'", fork.getMessage());
        var join = assertThrows(IllegalStateException.class, closed::join);
        assertEquals("scope 'closed' is closed: cannot join", join.getMessage());
        closed.close(); // closing again does nothing
    }

    @Test
    void testReadingATaskBeforeJoinIsRejected() throws Exception {
        try (var scope = Scope.open("early")) {
            var task = scope.fork("a", () -> 1);
            var e = assertThrows(IllegalStateException.class, task::get);
            assertTrue(e.getMessage().contains("before join"), e.getMessage());
            scope.join();
            assertEquals(1, task.get());
            var noException = assertThrows(IllegalStateException.class, task::exception);
            assertTrue(noException.getMessage().contains("has no exception"), noException.getMessage());
        }
    }

    @Test
    void testForkWithoutJoinIsReportedAtClose() {
        var e = assertThrows(IllegalStateException.class, () -> {
            try (var scope = Scope.open("forgot")) {
                scope.fork("a", () -> 1);
            }
        });
        assertTrue(e.getMessage().contains("did not join"), e.getMessage());
    }

    @Test
    void testNullArgumentsAreRejected() throws Exception {
        try (var scope = Scope.open("nulls")) {
            assertThrows(NullPointerException.class, () -> scope.fork(null, () -> 1));
            assertThrows(NullPointerException.class, () -> scope.fork("x", (java.util.concurrent.Callable<Object>) null));
            assertThrows(NullPointerException.class, () -> scope.cancel((CancelReason) null));
            assertThrows(NullPointerException.class, () -> scope.onCancel(null));
            scope.join();
        }
    }
}
