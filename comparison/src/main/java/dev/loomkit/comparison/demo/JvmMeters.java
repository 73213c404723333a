package dev.loomkit.comparison.demo;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import java.util.List;

/** Micrometer's JVM binders, as a user of loomkit would bind them beside the toolkit's and the server's meters. */
final class JvmMeters {
    private JvmMeters() {
    }

    /**
     * Binds heap, GC, class-loading, thread, CPU and virtual-thread meters to {@code registry}.
     *
     * @return the binders that hold resources (the GC listener, the JFR stream); close them at the end
     */
    static List<AutoCloseable> bindTo(MeterRegistry registry) {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        var gc = new JvmGcMetrics();
        gc.bindTo(registry);
        var virtualThreads = new VirtualThreadMetrics(); // jvm.threads.virtual.pinned, .submit.failed
        virtualThreads.bindTo(registry);
        return List.of(gc, virtualThreads);
    }
}
