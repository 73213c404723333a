package dev.loomkit.toolkit.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/** JFR: a task waited long for an {@code AsyncMutex}. Timed from the start of the wait. */
@Name("dev.loomkit.MutexWait")
@Label("AsyncMutex Wait")
@Category({"loomkit", "Locks"})
@Description("A task waited for an AsyncMutex")
@Threshold("20 ms")
public final class MutexWaitEvent extends jdk.jfr.Event {
    @Label("Mutex")
    public String mutex;

    @Label("Acquired")
    @Description("False if the wait ended by interrupt or timeout")
    public boolean acquired;
}
