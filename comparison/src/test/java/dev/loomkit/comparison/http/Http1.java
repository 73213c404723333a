package dev.loomkit.comparison.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Line-at-a-time HTTP/1.1 reading for tests that look at every header field ({@link ResponseReader} is the clients' fast path). */
public final class Http1 {
    private Http1() {
    }

    /**
     * Reads one line, without its CR LF.
     *
     * @param in the buffered response stream
     * @return the line
     * @throws EOFException if the stream ends first
     * @throws IOException  if reading fails
     */
    public static String line(InputStream in) throws IOException {
        var sb = new StringBuilder(64);
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
