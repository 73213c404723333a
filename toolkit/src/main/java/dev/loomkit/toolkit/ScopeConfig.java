package dev.loomkit.toolkit;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * How a {@link Scope} is opened: its name, an optional timeout or deadline, where its threads come
 * from, and how long after a cancellation a task that has not ended is reported as a straggler.
 * Immutable; each {@code with} method returns a copy.
 * {@snippet :
 * var config = ScopeConfig.named("checkout").withTimeout(Duration.ofMillis(300));
 * try (var scope = Scope.open(config, JoinPolicy.failFast())) { ... }
 * }
 *
 * @param name          the scope's name, shown in thread dumps and metrics; keep it low-cardinality
 * @param timeout       time allowed from opening, or {@code null} for none
 * @param deadline      wall-clock deadline, or {@code null} for none; with a timeout, the earlier wins
 * @param threadFactory where task threads come from, or {@code null} to inherit the parent's
 *                      (virtual threads for a root scope)
 * @param stragglerAfter how long after cancellation a task that is still running is reported
 */
public record ScopeConfig(String name, Duration timeout, Instant deadline, ThreadFactory threadFactory,
                          Duration stragglerAfter) {

    /** The default {@link #stragglerAfter()}: long enough for orderly cleanup, short enough to notice a hang. */
    public static final Duration DEFAULT_STRAGGLER_AFTER = Duration.ofSeconds(5);

    /**
     * Validates the components.
     *
     * @throws NullPointerException     if {@code name} or {@code stragglerAfter} is null
     * @throws IllegalArgumentException if {@code name} is blank, or a duration is negative
     */
    public ScopeConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(stragglerAfter, "stragglerAfter");
        if (name.isBlank()) {
            throw new IllegalArgumentException("scope name must not be blank");
        }
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        if (stragglerAfter.isNegative() || stragglerAfter.isZero()) {
            throw new IllegalArgumentException("stragglerAfter must be positive: " + stragglerAfter);
        }
    }

    /**
     * {@return a configuration with the given name and defaults for the rest}
     *
     * @param name the scope name
     */
    public static ScopeConfig named(String name) {
        return new ScopeConfig(name, null, null, null, DEFAULT_STRAGGLER_AFTER);
    }

    /**
     * {@return a copy with this timeout, counted from when the scope opens}
     *
     * @param timeout the time allowed
     */
    public ScopeConfig withTimeout(Duration timeout) {
        return new ScopeConfig(name, Objects.requireNonNull(timeout, "timeout"), deadline, threadFactory, stragglerAfter);
    }

    /**
     * {@return a copy with this deadline}
     *
     * @param deadline the instant by which the scope must be done
     */
    public ScopeConfig withDeadline(Instant deadline) {
        return new ScopeConfig(name, timeout, Objects.requireNonNull(deadline, "deadline"), threadFactory, stragglerAfter);
    }

    /**
     * {@return a copy whose tasks run on threads from this factory}
     *
     * @param factory the thread factory
     */
    public ScopeConfig withThreadFactory(ThreadFactory factory) {
        return new ScopeConfig(name, timeout, deadline, Objects.requireNonNull(factory, "factory"), stragglerAfter);
    }

    /**
     * {@return a copy with this straggler threshold}
     *
     * @param after how long after cancellation to report
     */
    public ScopeConfig withStragglerAfter(Duration after) {
        return new ScopeConfig(name, timeout, deadline, threadFactory, after);
    }
}
