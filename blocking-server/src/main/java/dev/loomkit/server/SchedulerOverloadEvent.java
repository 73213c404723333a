package dev.loomkit.server;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR: admission began or stopped counting the virtual-thread scheduler as overloaded (at most once per sweep). */
@Name("dev.loomkit.SchedulerOverload")
@Label("Scheduler Overload")
@Category({"loomkit", "Server"})
@Description("Admission began or stopped holding permits through the wait for a core")
@StackTrace(false)
final class SchedulerOverloadEvent extends jdk.jfr.Event {
    @Label("Overloaded")
    boolean overloaded;

    @Label("Lag")
    @Description("The least delay of the scheduler's queue in the last sweep's window")
    @Timespan(Timespan.NANOSECONDS)
    long lag;

    @Label("Waiting")
    @Description("Requests waiting for admission")
    int waiting;

    @Label("Limit")
    int limit;

    /** Records a change, if the event is enabled. */
    static void commit(boolean overloaded, long lag, int waiting, int limit) {
        var e = new SchedulerOverloadEvent();
        if (e.isEnabled()) {
            e.overloaded = overloaded;
            e.lag = lag;
            e.waiting = waiting;
            e.limit = limit;
            e.commit();
        }
    }
}
