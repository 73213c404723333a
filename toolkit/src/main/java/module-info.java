/**
 * loomkit toolkit: structured scopes over the JDK's {@code StructuredTaskScope}, cancellation with a
 * reason that reaches every blocked task, nested deadlines, {@code AsyncMutex}, and Micrometer metrics.
 * Only the API packages are exported; {@code dev.loomkit.toolkit.internal} is not.
 */
module dev.loomkit.toolkit {
    requires transitive micrometer.core;
    requires transitive java.net.http;
    requires org.slf4j;
    requires jdk.jfr;

    exports dev.loomkit.toolkit;
    exports dev.loomkit.toolkit.sync;
    exports dev.loomkit.toolkit.metrics;
    // For loomkit's own server only: scopes whose deadline the host keeps.
    exports dev.loomkit.toolkit.host to dev.loomkit.server;
}
