package dev.loomkit.server;

import java.io.IOException;

/**
 * A request the server will not serve: malformed, over a limit, or of an unsupported kind. Carries
 * the status to answer with; the connection is closed afterwards, because after a framing error
 * nothing that follows on it can be trusted.
 */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * Creates the exception.
     *
     * @param status  the status to answer with (4xx or 5xx)
     * @param message what was wrong, sent to the client in the body
     */
    public ProtocolException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** {@return the status to answer with} */
    public int status() {
        return status;
    }
}
