package dev.loomkit.server;

import dev.loomkit.toolkit.Scope;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where the server's threads come from: the one place where the thread modes differ. Built by
 * {@link #of(ServerConfig)}; everything else in the server is the same in every mode.
 */
sealed interface ThreadSource permits ThreadSource.Virtual, ThreadSource.Platform, ThreadSource.SelectorPool {

    static ThreadSource of(ServerConfig config) {
        return switch (config.threadMode()) {
            case VIRTUAL -> new Virtual(config.adaptiveAdmission());
            case PLATFORM -> new Platform(config.platformPoolSize(), config.platformQueueSize());
            // A connection waits in the queue at most once: room for all of them means a request
            // that has begun is never refused for want of a place, as in Tomcat's unbounded task queue.
            case SELECTOR_POOL -> new SelectorPool(config.platformPoolSize(), Math.max(config.platformQueueSize(), config.maxConnections()));
        };
    }

    /** Once the server listens on {@code port}: starts what the mode runs besides its connection threads. */
    default void start(int port) throws java.io.IOException {
    }

    /** Starts serving a connection; false if the mode has no room for it (platform queue full). */
    boolean launch(Connection connection, Scope<Object, Void> serverScope);

    /**
     * {@return whether a connection gives up its thread between requests: it then returns from
     * {@link Connection#run} with nothing buffered, and is {@linkplain #park parked}}
     */
    default boolean parksIdle() {
        return false;
    }

    /** The connection's thread, giving it up: hold it without a thread until its next request begins. */
    default void park(Connection connection) {
        throw new UnsupportedOperationException("this thread mode keeps a thread per connection");
    }

    /** Any thread: {@code connection}'s channel was just closed; if it is parked, nobody else will finish it. */
    default void closed(Connection connection) {
    }

    /** {@return the factory for subtasks that handlers fork} */
    ThreadFactory subtasks();

    /** Waits until every connection thread has ended (the virtual ones are waited for by the server scope). */
    void awaitConnections();

    /**
     * {@return the delay of the scheduler's queue, for admission} Only the virtual mode has a
     * scheduler of its own ({@link SchedulerLag}); the platform threads are the OS's to schedule.
     */
    default SchedulerLag schedulerLag() {
        return SchedulerLag.NONE;
    }

    /** One virtual thread per connection, forked into the server scope. */
    final class Virtual implements ThreadSource {
        private final ThreadFactory subtasks = Thread.ofVirtual().factory();
        /** Only adaptive admission reads the lag: a fixed limit runs no probe. */
        private final SchedulerLag lag;

        Virtual(boolean measureLag) {
            this.lag = measureLag ? SchedulerLag.ofVirtualThreads() : SchedulerLag.NONE;
        }

        @Override
        public void start(int port) throws java.io.IOException {
            lag.start("loomkit-lag-probe-" + port);
        }

        @Override
        public SchedulerLag schedulerLag() {
            return lag;
        }

        @Override
        public boolean launch(Connection connection, Scope<Object, Void> serverScope) {
            serverScope.fork("connection-" + connection.id, connection::run);
            return true;
        }

        @Override
        public ThreadFactory subtasks() {
            return subtasks;
        }

        @Override
        public void awaitConnections() {
            // The server scope's join waits for its connection tasks; the probe has nobody left to poke it.
            lag.stop();
        }
    }

    /**
     * A fixed pool of platform threads that serves one request at a time, with idle keep-alive
     * connections parked on a selector ({@link IdleParker}): Tomcat's NIO connector and Jetty's model.
     * A connection's turn on a pool thread lasts while it has requests to serve. The parker reads
     * each request head without a thread and queues the connection once the head is whole, so a
     * slow client holds no pool thread; the queue has room for every connection.
     */
    final class SelectorPool implements ThreadSource {
        private final Platform pool;
        private volatile IdleParker parker;

        SelectorPool(int size, int queue) {
            pool = new Platform(size, queue);
        }

        @Override
        public void start(int port) throws java.io.IOException {
            parker = new IdleParker(c -> pool.launch(c, null));
            parker.start("loomkit-parker-" + port);
        }

        @Override
        public boolean launch(Connection connection, Scope<Object, Void> serverScope) {
            // A new connection waits for its first request like any idle one, under the same timeout.
            connection.state.ioStart(ConnectionState.Io.IDLE);
            parker.park(connection);
            return true;
        }

        @Override
        public boolean parksIdle() {
            return true;
        }

        @Override
        public void park(Connection connection) {
            parker.park(connection);
        }

        @Override
        public void closed(Connection connection) {
            IdleParker p = parker;
            if (p != null) {
                p.closed(connection);
            }
        }

        @Override
        public ThreadFactory subtasks() {
            return pool.subtasks();
        }

        @Override
        public void awaitConnections() {
            pool.awaitConnections();
            IdleParker p = parker;
            if (p != null) {
                p.stop(); // finishes what is still parked
            }
        }
    }

    /** The prethreaded model: a fixed pool of platform threads and a bounded queue of connections. */
    final class Platform implements ThreadSource {
        private final ThreadPoolExecutor pool;
        private final ThreadFactory subtasks = Thread.ofPlatform().name("loomkit-subtask-", 0).daemon().factory();

        Platform(int size, int queue) {
            pool = new ThreadPoolExecutor(size, size, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                    Thread.ofPlatform().name("loomkit-worker-", 0).daemon().factory(), new ThreadPoolExecutor.AbortPolicy());
            pool.prestartAllCoreThreads();
        }

        @Override
        public boolean launch(Connection connection, Scope<Object, Void> serverScope) {
            try {
                pool.execute(connection);
                return true;
            } catch (RejectedExecutionException e) {
                return false;
            }
        }

        @Override
        public ThreadFactory subtasks() {
            return subtasks;
        }

        @Override
        public void awaitConnections() {
            pool.shutdown(); // queued connections still run: each answers 503 and closes
            boolean interrupted = false;
            while (true) {
                try {
                    if (pool.awaitTermination(1, TimeUnit.SECONDS)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
