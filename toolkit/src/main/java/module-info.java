/**
 * loomkit toolkit: structured scopes over the JDK's {@code StructuredTaskScope}, cancellation with a
 * reason that reaches every blocked task, nested deadlines, {@code AsyncMutex}, and Micrometer metrics.
 * Only the API packages are exported; {@code dev.loomkit.toolkit.internal} is not.
 *
 * <p>Scopes, deadlines and {@code AsyncMutex} need the JDK (and SLF4J's API) alone. Two modules are
 * needed only by the code that uses them, so they are required statically: Micrometer, by
 * {@code dev.loomkit.toolkit.metrics} (a module that binds the toolkit's meters requires Micrometer
 * itself), and {@code java.net.http}, by {@code Deadlines.applyTo(HttpRequest.Builder)} (whose
 * caller has made a builder, so reads it already).
 */
module dev.loomkit.toolkit {
    requires static micrometer.core;
    requires static java.net.http;
    requires org.slf4j;
    requires jdk.jfr;

    exports dev.loomkit.toolkit;
    exports dev.loomkit.toolkit.sync;
    exports dev.loomkit.toolkit.metrics;
    // For loomkit's own server only: scopes whose deadline the host keeps.
    exports dev.loomkit.toolkit.host to dev.loomkit.server;
}
