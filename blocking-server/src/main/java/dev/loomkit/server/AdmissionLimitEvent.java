package dev.loomkit.server;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR: the adaptive admission limit changed (at most once per sweep). */
@Name("dev.loomkit.AdmissionLimitChanged")
@Label("Admission Limit Changed")
@Category({"loomkit", "Server"})
@Description("The adaptive limit on handlers running at once changed")
@StackTrace(false)
final class AdmissionLimitEvent extends jdk.jfr.Event {
    @Label("Old Limit")
    int oldLimit;

    @Label("New Limit")
    int newLimit;

    @Label("Under Pressure")
    @Description("Whether the limit was under pressure in the last window: in the virtual mode, the scheduler's queue stood above its target; in the others, the process used 90% or more of its CPUs")
    boolean underPressure;

    @Label("Baseline")
    @Description("The no-load service time learnt so far; Long.MAX_VALUE if none yet")
    @Timespan(Timespan.NANOSECONDS)
    long baseline;

    /** Records a change, if the event is enabled. */
    static void commit(int oldLimit, int newLimit, boolean underPressure, long baseline) {
        var e = new AdmissionLimitEvent();
        if (e.isEnabled()) {
            e.oldLimit = oldLimit;
            e.newLimit = newLimit;
            e.underPressure = underPressure;
            e.baseline = baseline;
            e.commit();
        }
    }
}
