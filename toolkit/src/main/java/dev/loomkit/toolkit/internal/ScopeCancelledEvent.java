package dev.loomkit.toolkit.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Timestamp;

/** JFR: a scope was cancelled, and how long its tasks took to end after that. */
@Name("dev.loomkit.ScopeCancelled")
@Label("Scope Cancelled")
@Category({"loomkit", "Scopes"})
@Description("A structured scope was cancelled; committed when its last task ended (by the JFR warm-up thread, later, if that was"
        + " in a process's first moments: then the event's own time and thread are the warm-up's, and Cancelled At says when)")
@StackTrace(false)
public final class ScopeCancelledEvent extends jdk.jfr.Event {
    @Label("Scope")
    public String scope;

    @Label("Reason")
    @Description("Kind of the cancellation, e.g. deadline, client_disconnected")
    public String reason;

    @Label("Root Reason")
    @Description("Kind of the cancellation that started the cascade")
    public String rootReason;

    @Label("Message")
    public String message;

    @Label("Cancel to End")
    @Description("Time from the cancellation to the end of the scope's last task")
    @Timespan(Timespan.NANOSECONDS)
    public long cancelToEnd;

    @Label("Cancelled At")
    @Description("When the scope was cancelled")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    public long cancelledAt;
}
