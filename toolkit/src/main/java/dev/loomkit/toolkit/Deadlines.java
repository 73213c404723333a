package dev.loomkit.toolkit;

import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;

/**
 * Hands the current scope's time remaining on to what blocks outside the toolkit, so that a socket
 * read or an HTTP call gives up when the request it serves has run out of time.
 * {@snippet :
 * HttpRequest request = Deadlines.applyTo(HttpRequest.newBuilder(uri)).build();
 * var response = client.send(request, BodyHandlers.ofString());   // times out with the scope
 * }
 * Outside a scope, or in a scope without a deadline, the helpers change nothing.
 */
public final class Deadlines {
    private Deadlines() {
    }

    /** {@return the time left until the current task's scope's effective deadline, if it has one} */
    public static Optional<Duration> remaining() {
        ScopeImpl<?, ?> scope = ScopeImpl.current();
        return scope == null ? Optional.empty() : scope.timeRemaining();
    }

    /**
     * Sets the socket's read timeout ({@code SO_TIMEOUT}) to the time remaining, rounded up to a
     * whole millisecond.
     *
     * @param socket the socket
     * @return the socket
     * @throws SocketException          if the timeout cannot be set
     * @throws DeadlineExceededException if no time is left
     */
    public static Socket applyTo(Socket socket) throws SocketException {
        Optional<Duration> left = remainingOrThrow();
        if (left.isPresent()) {
            socket.setSoTimeout(toTimeoutMillis(left.get()));
        }
        return socket;
    }

    /**
     * Sets the request's timeout to the time remaining.
     *
     * @param builder the request builder
     * @return the builder
     * @throws DeadlineExceededException if no time is left
     */
    public static HttpRequest.Builder applyTo(HttpRequest.Builder builder) {
        remainingOrThrow().ifPresent(builder::timeout);
        return builder;
    }

    private static Optional<Duration> remainingOrThrow() {
        ScopeImpl<?, ?> scope = ScopeImpl.current();
        if (scope == null) {
            return Optional.empty();
        }
        Optional<Duration> left = scope.timeRemaining();
        if (left.isPresent() && left.get().isZero()) {
            throw new DeadlineExceededException(scope.name(),
                    scope.cancelReason().filter(CancelReason::isDeadline).orElse(CancelReason.deadline(scope.name())));
        }
        return left;
    }

    static int toTimeoutMillis(Duration left) {
        long nanos = left.toNanos();
        long millis = (nanos + 999_999) / 1_000_000; // round up: 0 would mean "wait forever"
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, millis));
    }
}
