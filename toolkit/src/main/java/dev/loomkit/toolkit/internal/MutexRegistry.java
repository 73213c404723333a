package dev.loomkit.toolkit.internal;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;

/**
 * Keeps track, weakly, of the live mutexes, so that a metrics binding made at any time can show the
 * queue length of every mutex by name. Touched when a mutex is created, never on lock or unlock.
 */
public final class MutexRegistry {
    /** What the registry needs of a mutex (the mutex class implements it; this package knows no API type). */
    public interface Entry {
        /** {@return the mutex's name} */
        String name();

        /** {@return how many tasks wait for it now} */
        int queueLength();
    }

    private static final Map<Entry, Boolean> LIVE = Collections.synchronizedMap(new WeakHashMap<>());

    private MutexRegistry() {
    }

    /**
     * Records a new mutex and tells the probe in force about its name.
     *
     * @param mutex the mutex
     */
    public static void register(Entry mutex) {
        LIVE.put(mutex, Boolean.TRUE);
        ToolkitProbe.current().mutexCreated(mutex.name());
    }

    /**
     * {@return the summed queue length of the live mutexes with this name}
     *
     * @param name a mutex name
     */
    public static int queueLength(String name) {
        synchronized (LIVE) {
            int total = 0;
            for (Entry m : LIVE.keySet()) {
                if (m.name().equals(name)) {
                    total += m.queueLength();
                }
            }
            return total;
        }
    }

    /** {@return the names of the live mutexes} */
    public static Set<String> names() {
        synchronized (LIVE) {
            var names = new TreeSet<String>();
            for (Entry m : LIVE.keySet()) {
                names.add(m.name());
            }
            return names;
        }
    }
}
