package dev.loomkit.server;

import java.util.Locale;
import java.util.Objects;

/**
 * Where the server's threads come from. The modes differ in nothing else: same parser, same
 * handlers, same limits, so that a comparison measures the threading model alone.
 */
public enum ThreadMode {
    /** One virtual thread per connection, and per subtask. */
    VIRTUAL,
    /**
     * A fixed pool of platform threads, each serving a connection from a bounded queue for as long
     * as it lasts: a thread per connection, the prethreaded model (Apache's prefork).
     */
    PLATFORM,
    /**
     * A fixed pool of platform threads that serves requests, with idle keep-alive connections
     * parked on a selector without a thread until their next request begins: a thread per request,
     * the model of Tomcat's NIO connector and Jetty. Its label is {@code selector-pool}.
     */
    SELECTOR_POOL;

    /**
     * Parses a mode as given on a command line: {@code virtual}, {@code platform} or
     * {@code selector-pool}, any case.
     *
     * @param text the mode's name
     * @return the mode
     * @throws IllegalArgumentException naming the accepted values, if {@code text} is neither
     */
    public static ThreadMode parse(String text) {
        Objects.requireNonNull(text, "mode");
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "virtual" -> VIRTUAL;
            case "platform" -> PLATFORM;
            case "selector-pool" -> SELECTOR_POOL;
            default -> throw new IllegalArgumentException("unknown thread mode '" + text
                    + "': expected 'virtual', 'platform' or 'selector-pool'");
        };
    }

    /** {@return the lower-case name used on command lines, in reports and as a metric tag} */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
