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
    /** A fixed pool of platform threads serving connections from a bounded queue. */
    PLATFORM;

    /**
     * Parses a mode as given on a command line: {@code virtual} or {@code platform}, any case.
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
            default -> throw new IllegalArgumentException("unknown thread mode '" + text + "': expected 'virtual' or 'platform'");
        };
    }

    /** {@return the lower-case name used on command lines, in reports and as a metric tag} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
