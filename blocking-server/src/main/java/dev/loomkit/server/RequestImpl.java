package dev.loomkit.server;

import dev.loomkit.server.http1.BodyInputStream;
import dev.loomkit.server.http1.PercentDecoder;
import dev.loomkit.server.http1.RequestHead;
import dev.loomkit.toolkit.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The request handed to handlers. */
final class RequestImpl implements Request {
    private final RequestHead head;
    private final Router.Match match;
    private final BodyInputStream body;
    private final InetSocketAddress remote;
    private Scope<Object, Void> scope;
    private Map<String, List<String>> query;
    /**
     * The head's fields as {@link Headers}, made on first use: most handlers never look. Subtasks
     * may race to make it; each makes an equal, immutable view (final fields), so either wins.
     */
    private Headers headers;

    RequestImpl(RequestHead head, Router.Match match, BodyInputStream body, InetSocketAddress remote) {
        this.head = head;
        this.match = match;
        this.body = body;
        this.remote = remote;
    }

    void attach(Scope<Object, Void> scope) {
        this.scope = scope;
    }

    @Override
    public String method() {
        return head.method();
    }

    @Override
    public String target() {
        return head.target();
    }

    @Override
    public String path() {
        return head.path();
    }

    @Override
    public String version() {
        return head.version();
    }

    @Override
    public Headers headers() {
        Headers h = headers;
        if (h == null) {
            h = Headers.owning(head.fields());
            headers = h;
        }
        return h;
    }

    @Override
    public Optional<String> queryParam(String name) {
        List<String> values = queryParams().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    @Override
    public Map<String, List<String>> queryParams() {
        if (query == null) {
            try {
                query = PercentDecoder.query(head.query());
            } catch (IllegalArgumentException e) {
                throw new HttpException(400, "malformed query: " + e.getMessage());
            }
        }
        return query;
    }

    @Override
    public String pathParam(String name) {
        String value = match.params().get(name);
        if (value == null) {
            throw new IllegalArgumentException("route " + match.route().template() + " has no path parameter '" + name + "'");
        }
        return value;
    }

    @Override
    public String routeTemplate() {
        return match.route().template();
    }

    @Override
    public InputStream body() {
        return body;
    }

    @Override
    public byte[] bodyBytes() throws IOException {
        return body.readAllBytes();
    }

    @Override
    public long contentLength() {
        return head.chunked() ? -1 : Math.max(0, head.contentLength());
    }

    @Override
    public Scope<Object, Void> scope() {
        return scope;
    }

    @Override
    public Optional<Instant> deadline() {
        return scope.deadline();
    }

    @Override
    public Optional<Duration> timeRemaining() {
        return scope.timeRemaining();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String toString() {
        return head.method() + " " + head.target() + " " + head.version();
    }
}
