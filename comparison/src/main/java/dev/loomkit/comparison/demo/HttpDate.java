package dev.loomkit.comparison.demo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The {@code Date} header line of the bare server's responses, formatted at most once a second. */
final class HttpDate {
    /** RFC 9110's IMF-fixdate: two-digit day, always GMT. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private record Line(long second, byte[] bytes) {
    }

    /** Two threads may both format a new second; either result is right, so no lock. */
    private static volatile Line current = format(System.currentTimeMillis() / 1000);

    private HttpDate() {
    }

    /** {@return "Date: ...\r\n" for this second, in ISO-8859-1; the caller must not change it} */
    static byte[] line() {
        long second = System.currentTimeMillis() / 1000;
        Line line = current;
        if (line.second() != second) {
            line = format(second);
            current = line;
        }
        return line.bytes();
    }

    private static Line format(long second) {
        String text = "Date: " + IMF_FIXDATE.format(Instant.ofEpochSecond(second)) + "\r\n";
        return new Line(second, text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
