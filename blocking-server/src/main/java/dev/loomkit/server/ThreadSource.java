package dev.loomkit.server;

import dev.loomkit.toolkit.Scope;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where the server's threads come from: the one place where the thread modes differ. Built by
 * {@link #of(ServerConfig)}; everything else in the server is the same in both modes.
 */
sealed interface ThreadSource permits ThreadSource.Virtual, ThreadSource.Platform {

    static ThreadSource of(ServerConfig config) {
        return switch (config.threadMode()) {
            case VIRTUAL -> new Virtual();
            case PLATFORM -> new Platform(config.platformPoolSize(), config.platformQueueSize());
        };
    }

    /** Starts serving a connection; false if the mode has no room for it (platform queue full). */
    boolean launch(Connection connection, Scope<Object, Void> serverScope);

    /** {@return the factory for subtasks that handlers fork} */
    ThreadFactory subtasks();

    /** Waits until every connection thread has ended (the virtual ones are waited for by the server scope). */
    void awaitConnections();

    /** One virtual thread per connection, forked into the server scope. */
    final class Virtual implements ThreadSource {
        private final ThreadFactory subtasks = Thread.ofVirtual().factory();

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
            // The server scope's join waits for its connection tasks.
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
