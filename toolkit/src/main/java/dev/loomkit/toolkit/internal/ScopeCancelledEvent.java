package dev.loomkit.toolkit.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR: a scope was cancelled, and how long its tasks took to end after that. */
@Name("dev.loomkit.ScopeCancelled")
@Label("Scope Cancelled")
@Category({"loomkit", "Scopes"})
@Description("A structured scope was cancelled; committed when its last task ended")
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
}
