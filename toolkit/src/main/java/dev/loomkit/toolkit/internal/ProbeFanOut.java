package dev.loomkit.toolkit.internal;

/** Hands each event to several probes, in the order they were added: for several bindings at once. */
final class ProbeFanOut implements ToolkitProbe {
    private final ToolkitProbe[] probes;

    /** @param probes the probes; the array is not copied and must not change */
    ProbeFanOut(ToolkitProbe[] probes) {
        this.probes = probes;
    }

    @Override
    public void scopeOpened(String scope) {
        for (ToolkitProbe p : probes) {
            p.scopeOpened(scope);
        }
    }

    @Override
    public void scopeClosed(String scope) {
        for (ToolkitProbe p : probes) {
            p.scopeClosed(scope);
        }
    }

    @Override
    public void taskForked(String scope) {
        for (ToolkitProbe p : probes) {
            p.taskForked(scope);
        }
    }

    @Override
    public void taskEnded(String scope, Outcome outcome) {
        for (ToolkitProbe p : probes) {
            p.taskEnded(scope, outcome);
        }
    }

    @Override
    public void scopeCancelled(String scope, String reason) {
        for (ToolkitProbe p : probes) {
            p.scopeCancelled(scope, reason);
        }
    }

    @Override
    public void cancelCompleted(String scope, String reason, long nanos) {
        for (ToolkitProbe p : probes) {
            p.cancelCompleted(scope, reason, nanos);
        }
    }

    @Override
    public void straggler(String scope) {
        for (ToolkitProbe p : probes) {
            p.straggler(scope);
        }
    }

    @Override
    public void mutexCreated(String mutex) {
        for (ToolkitProbe p : probes) {
            p.mutexCreated(mutex);
        }
    }

    @Override
    public void mutexWaited(String mutex, long nanos) {
        for (ToolkitProbe p : probes) {
            p.mutexWaited(mutex, nanos);
        }
    }

    @Override
    public void mutexHeld(String mutex, long nanos) {
        for (ToolkitProbe p : probes) {
            p.mutexHeld(mutex, nanos);
        }
    }
}
