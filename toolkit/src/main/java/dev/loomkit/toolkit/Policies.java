package dev.loomkit.toolkit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/** The built-in {@link JoinPolicy} implementations. */
final class Policies {
    private Policies() {
    }

    static final class FailFast<T> implements JoinPolicy<T, Void> {
        private static final VarHandle FAILED;

        static {
            try {
                FAILED = MethodHandles.lookup().findVarHandle(FailFast.class, "failed", Queue.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        // Made by the first failure: a scope whose tasks all succeed, or that forks none, has none.
        private volatile Queue<Task<? extends T>> failed;

        @Override
        @SuppressWarnings("unchecked")
        public Optional<CancelReason> onComplete(Task<? extends T> task) {
            if (task.state() != Task.State.FAILED) {
                return Optional.empty();
            }
            Queue<Task<? extends T>> q = failed;
            if (q == null) {
                var made = new ConcurrentLinkedQueue<Task<? extends T>>();
                q = FAILED.compareAndSet(this, (Queue<Task<? extends T>>) null, made) ? made : failed;
            }
            q.add(task);
            // Only the first failure asks for cancellation; the scope ignores later requests anyway.
            return Optional.of(CancelReason.siblingFailed(task.name(), task.exception()));
        }

        @Override
        public Void result() {
            Queue<Task<? extends T>> q = failed;
            Task<? extends T> first = q == null ? null : q.peek();
            if (first == null) {
                return null;
            }
            String scope = first instanceof TaskImpl<?> t ? " of scope '" + t.scope().name() + "'" : "";
            var e = new TaskFailedException("task '" + first.name() + "'" + scope + " failed", first.exception());
            q.stream().skip(1).forEach(t -> e.addSuppressed(t.exception()));
            throw e;
        }
    }

    static final class Supervise<T> implements JoinPolicy<T, List<Task<T>>> {
        // Written by the owner in onFork and read by it in result: no synchronization needed.
        private final List<Task<T>> tasks = new ArrayList<>();

        @Override
        @SuppressWarnings("unchecked")
        public void onFork(Task<? extends T> task) {
            tasks.add((Task<T>) task);
        }

        @Override
        public Optional<CancelReason> onComplete(Task<? extends T> task) {
            return Optional.empty();
        }

        @Override
        public List<Task<T>> result() {
            return List.copyOf(tasks);
        }
    }

    static final class Race<T> implements JoinPolicy<T, T> {
        private final AtomicReference<Task<? extends T>> winner = new AtomicReference<>();
        private final Queue<Task<? extends T>> failed = new ConcurrentLinkedQueue<>();
        private int forked;

        @Override
        public void onFork(Task<? extends T> task) {
            forked++;
        }

        @Override
        public Optional<CancelReason> onComplete(Task<? extends T> task) {
            return switch (task.state()) {
                case SUCCEEDED -> winner.compareAndSet(null, task)
                        ? Optional.of(CancelReason.raceWon(task.name()))
                        : Optional.empty();
                case FAILED -> {
                    failed.add(task);
                    yield Optional.empty();
                }
                default -> Optional.empty();
            };
        }

        @Override
        public T result() {
            Task<? extends T> w = winner.get();
            if (w != null) {
                return w.get();
            }
            if (forked == 0) {
                throw new NoSuchElementException("race: no task was forked");
            }
            List<Task<? extends T>> failures = List.copyOf(failed);
            if (failures.isEmpty()) {
                throw new NoSuchElementException("race: no task succeeded and none failed (all were cancelled)");
            }
            var e = new TaskFailedException("race: all " + failures.size() + " tasks failed", failures.getFirst().exception());
            failures.stream().skip(1).forEach(t -> e.addSuppressed(t.exception()));
            throw e;
        }
    }
}
