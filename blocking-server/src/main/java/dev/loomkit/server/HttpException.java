package dev.loomkit.server;

/**
 * Thrown by a handler (or by the request, for a malformed query) to answer with a given status and
 * a short message instead of a 500.
 * {@snippet :
 * int n = Integer.parseInt(request.queryParam("n").orElseThrow(() -> new HttpException(400, "n is required")));
 * }
 */
public class HttpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * Creates the exception.
     *
     * @param status  a 4xx or 5xx status
     * @param message sent to the client as the body
     * @throws IllegalArgumentException if the status is not in [400, 599]
     */
    public HttpException(int status, String message) {
        super(message);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is in [400, 599]: " + status);
        }
        this.status = status;
    }

    /** {@return the status to answer with} */
    public int status() {
        return status;
    }
}
