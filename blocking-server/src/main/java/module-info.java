/**
 * loomkit blocking server: an HTTP/1.1 server whose blocking handlers run on virtual threads inside
 * scope hierarchies, or on a fixed pool of platform threads, for comparison.
 */
module dev.loomkit.server {
    requires transitive dev.loomkit.toolkit;
    // Its configuration takes a MeterRegistry (the toolkit needs Micrometer only optionally).
    requires transitive micrometer.core;
    requires org.slf4j;
    // The process's CPU time, for the sweeper's saturation signal (CpuSaturation).
    requires jdk.management;
    // The adaptive admission limit's changes, as JFR events.
    requires jdk.jfr;

    // The API only: the HTTP/1.1 codec (dev.loomkit.server.http1) stays inside the module.
    exports dev.loomkit.server;
}
