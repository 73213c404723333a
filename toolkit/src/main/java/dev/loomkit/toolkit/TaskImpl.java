package dev.loomkit.toolkit;

import dev.loomkit.toolkit.internal.ToolkitProbe;
import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;

/** A task's body, its thread and its outcome. Runs as the JDK subtask's {@code Runnable}. */
final class TaskImpl<T> implements Task<T>, Frame, Runnable {
    private static final int PENDING = 0, RUNNING = 1, SUCCEEDED = 2, FAILED = 3, CANCELLED = 4;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TaskImpl.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ScopeImpl<? super T, ?> scope;
    private final String name;
    private final Callable<? extends T> body;
    private volatile int state = PENDING;
    private volatile Thread thread;
    // Written before the volatile write of the final state, read after reading it.
    private T value;
    private Throwable exception;
    boolean stragglerReported;

    TaskImpl(ScopeImpl<? super T, ?> scope, String name, Callable<? extends T> body) {
        this.scope = scope;
        this.name = name;
        this.body = body;
    }

    /** The scope of a {@link Scope#call} nested in this task's body, if one is running; this thread only. */
    private ScopeImpl<?, ?> inner;

    ScopeImpl<? super T, ?> scope() {
        return scope;
    }

    @Override
    public ScopeImpl<?, ?> current() {
        ScopeImpl<?, ?> in = inner;
        return in != null ? in : scope;
    }

    @Override
    public void enter(ScopeImpl<?, ?> scope) {
        this.inner = scope == this.scope ? null : scope;
    }

    @Override
    public Thread thread() {
        return thread;
    }

    @Override
    public void run() {
        if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
            return; // the scope gave up on this task before its thread started
        }
        thread = Thread.currentThread();
        // Register before checking for cancellation: either cancel() sees this task and interrupts it,
        // or this check sees the cancellation. Both are volatile, so one of them must.
        scope.taskStarted(this);
        int outcome;
        if (scope.isCancelled()) {
            outcome = CANCELLED;
        } else {
            try {
                value = ScopedValue.where(ScopeImpl.CURRENT, this).call(body::call);
                outcome = SUCCEEDED;
            } catch (Throwable e) {
                exception = e;
                outcome = scope.isCancelled() && isCancellationArtifact(e) ? CANCELLED : FAILED;
            }
        }
        state = outcome;
        scope.taskEnded(this);
    }

    /** The scope gave up on this task before it started; returns false if it had already started. */
    boolean cancelBeforeStart() {
        return STATE.compareAndSet(this, PENDING, CANCELLED);
    }

    /**
     * After its scope was cancelled, a task that throws is counted as cancelled, not failed, when the
     * exception is what an interrupt or a cancellation produces, or when its thread is still
     * interrupted (a virtual thread's socket read, interrupted, closes the socket and throws a plain
     * {@code SocketException} with the interrupt status left set).
     */
    private static boolean isCancellationArtifact(Throwable e) {
        return e instanceof InterruptedException
                || e instanceof InterruptedIOException
                || e instanceof ClosedByInterruptException
                || e instanceof CancellationException
                || Thread.currentThread().isInterrupted();
    }

    ToolkitProbe.Outcome outcome() {
        return switch (state) {
            case SUCCEEDED -> ToolkitProbe.Outcome.SUCCESS;
            case FAILED -> ToolkitProbe.Outcome.FAILURE;
            default -> ToolkitProbe.Outcome.CANCELLED;
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public State state() {
        return switch (state) {
            case PENDING, RUNNING -> State.RUNNING;
            case SUCCEEDED -> State.SUCCEEDED;
            case FAILED -> State.FAILED;
            default -> State.CANCELLED;
        };
    }

    @Override
    public T get() {
        scope.ensureJoinedIfOwner("get the result of task '" + name + "'");
        if (state == SUCCEEDED) {
            return value;
        }
        throw new IllegalStateException("task '" + name + "' in scope '" + scope.name() + "' has no result: it is " + state());
    }

    @Override
    public Throwable exception() {
        scope.ensureJoinedIfOwner("get the exception of task '" + name + "'");
        int s = state;
        if ((s == FAILED || s == CANCELLED) && exception != null) {
            return exception;
        }
        throw new IllegalStateException("task '" + name + "' in scope '" + scope.name() + "' has no exception: it is " + state());
    }

    @Override
    public String toString() {
        return scope.name() + "/" + name + "[" + state() + "]";
    }
}
