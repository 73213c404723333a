package dev.loomkit.server;

import dev.loomkit.server.http1.BodyInputStream;
import dev.loomkit.server.http1.RequestHead;
import dev.loomkit.server.http1.ResponseWriter;
import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeConfig;
import dev.loomkit.toolkit.host.HostedScopes;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request on a connection: routing, the request scope, the handler, and the one response it
 * ends with. What the client gets when things go wrong:
 * <ul>
 *   <li>the client went away: nothing (recorded as status 499, the convention for it);</li>
 *   <li>the deadline passed before a response started: 503;</li>
 *   <li>the request waited longer than the admission timeout for a handler slot: 503 with
 *       {@code Retry-After}, and the connection stays open;</li>
 *   <li>the server is shutting down: 503 and the connection closes;</li>
 *   <li>the body was malformed or too large: its 4xx, and the connection closes;</li>
 *   <li>the handler threw {@link HttpException}: its status; anything else: 500, logged once.</li>
 * </ul>
 */
final class Exchange implements Runnable, BodyInputStream.ReadGuard {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("dev.loomkit.server.access");
    /**
     * Unread body the server will skip to keep a connection, counted in bytes on the wire (framing
     * included), and in time, from the response on; past either, it closes instead.
     */
    private static final long DRAIN_LIMIT = 64 * 1024;
    private static final long DRAIN_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
    static final int CLIENT_CLOSED = 499;
    /**
     * Admission timed out: try again after {@code Retry-After} seconds (index; 0 unused), as
     * admission estimates; the connection stays usable. Made once.
     */
    private static final Response[] BUSY = new Response[Admission.MAX_RETRY_AFTER + 1];

    static {
        for (int i = 1; i < BUSY.length; i++) {
            BUSY[i] = Response.text(503, "503 Service Unavailable: server busy, try again\n").withHeader("Retry-After", Integer.toString(i));
        }
    }

    private final Connection conn;
    private final ConnectionContext context;
    private final RequestHead head;
    private final ServerConfig config;
    private final long startNanos = System.nanoTime();
    private final long outBefore;
    private BodyInputStream body;
    private volatile Scope<Object, Void> scope;
    /** When the request scope's deadline passes (nanoTime base); read by the sweeper. */
    private volatile long deadlineNanos;
    private boolean continueSent;
    /** While the unread body is skipped: the latest any read may end (nanoTime base), else 0. */
    private long drainDeadline;
    private int status;
    private String uri = "UNKNOWN";
    private Router.Route route;
    private Throwable failure;

    Exchange(Connection conn, ConnectionContext context, RequestHead head) {
        this.conn = conn;
        this.context = context;
        this.head = head;
        this.config = context.config();
        this.outBefore = conn.out.bytesWritten();
    }

    /** Serves the request; returns whether the connection may serve another. */
    boolean serve() throws IOException {
        context.metrics().requestStarted();
        body = BodyInputStream.of(head, conn.in, this, config.maxBodyBytes());
        boolean keep = false;
        try {
            if (conn.stopRequested || context.stopping().getAsBoolean()) {
                keep = respond(Response.text(503, "503 Service Unavailable: server shutting down\n"), true);
                return keep;
            }
            Router.Match match;
            try {
                match = context.router().match(head.method(), head.path());
            } catch (IllegalArgumentException e) { // a path parameter's percent-encoding
                return respondError(400, e.getMessage());
            }
            if (match.route() == null) {
                uri = match.status() == 404 ? "NOT_FOUND" : "UNKNOWN";
                Response r = match.status() == 404
                        ? Response.text(404, "404 Not Found\n")
                        : Response.text(405, "405 Method Not Allowed\n").withHeader("Allow", String.join(", ", match.allowed()));
                keep = respond(r, false);
                return keep;
            }
            route = match.route();
            uri = route.template();
            keep = handle(match);
            return keep;
        } finally {
            context.metrics().requestEnded(head.method(), route, uri, status, failure, System.nanoTime() - startNanos);
            conn.reportBytes();
            if (config.accessLog()) {
                ACCESS.info("{} \"{} {} {}\" {} {} {}ms", conn.remote, head.method(), head.target(), head.version(), status,
                        conn.out.bytesWritten() - outBefore, (System.nanoTime() - startNanos) / 1_000_000);
            }
        }
    }

    private boolean handle(Router.Match match) throws IOException {
        Duration timeout = match.route().timeout();
        ScopeConfig scopeConfig = timeout == null ? context.requestScope() : context.requestScope().withTimeout(timeout);
        // No later than the scope's own deadline, so the sweeper never looks too late; looking early
        // changes nothing.
        deadlineNanos = startNanos + (timeout == null ? config.requestTimeout() : timeout).toNanos();
        var request = new RequestImpl(head, match, body, conn.remote);
        try {
            // A hosted scope: the sweeper keeps its deadline and its one hook wakes this handler, so
            // a request that forks nothing costs no timer entry and no hook registration.
            return HostedScopes.call(scopeConfig, this, s -> {
                scope = s;
                request.attach(s);
                return handleInScope(match.route().handler(), request, s);
            });
        } catch (IOException e) {
            throw e;
        } catch (IllegalStateException e) {
            // The scope's close: the handler forked subtasks and never joined them. Its response is
            // out; the subtasks were cancelled and have ended.
            LOG.warn("handler for {} {} forked subtasks without joining them; closing the connection", head.method(), uri, e);
            return false;
        } catch (Exception e) {
            throw new IOException("unexpected failure serving " + head.method() + " " + uri, e);
        }
    }

    private boolean handleInScope(Handler handler, RequestImpl request, Scope<Object, Void> s) throws IOException {
        Response response = null;
        Admission admission = context.admission();
        boolean admitted = false;
        long admittedAt = 0;
        conn.state.beginHandling(this);
        // The wait for admission is part of handling: the deadline, shutdown and the client
        // leaving end it like any other blocking call of the handler (the scope's hosted hook
        // interrupts this thread).
        try {
            admittedAt = admission.enter();
            admitted = admittedAt != Admission.NOT_ADMITTED;
            if (admitted) {
                response = handler.handle(request);
                if (response == null) {
                    failure = new NullPointerException("handler returned null");
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            conn.state.endHandling(context.watcher());
        }
        try {
            return conclude(response, admitted, s);
        } finally {
            // Held until the response is written: a streaming response's writer is handler work.
            if (admitted) {
                admission.exit(admittedAt);
            }
        }
    }

    /**
     * The request scope's hosted hook: wakes this request's handler, and no other. The exchange is
     * its own hook so that a request allocates no object for it.
     */
    @Override
    public void run() {
        conn.state.interruptHandler(this);
    }

    /** {@return when the exchange started (nanoTime base)} */
    long startNanos() {
        return startNanos;
    }

    /** Sweeper: if the request's deadline has passed, cancels its scope (by looking at it). */
    void expireIfDue(long now) {
        Scope<Object, Void> s = scope;
        if (s != null && now - deadlineNanos >= 0) {
            s.isCancelled(); // a hosted scope applies its passed deadline when looked at
        }
    }

    private boolean conclude(Response response, boolean admitted, Scope<Object, Void> s) throws IOException {
        CancelReason root = s.cancelReason().map(CancelReason::root).orElse(null);
        CancelReason.Kind kind = root == null ? null : root.kind();
        if (kind == CancelReason.Kind.CLIENT_DISCONNECTED || conn.state.clientGone()) {
            status = CLIENT_CLOSED;
            context.metrics().cancelled(CancelReason.Kind.CLIENT_DISCONNECTED);
            LOG.debug("{}: client went away during {} {}", conn, head.method(), uri);
            return false;
        }
        if (body.error() != null) {
            return respondError(body.error().status(), body.error().getMessage());
        }
        if (kind == CancelReason.Kind.DEADLINE) {
            context.metrics().cancelled(kind);
            return respond(Response.text(503, "503 Service Unavailable: request deadline passed\n"), false);
        }
        if (kind == CancelReason.Kind.SHUTDOWN) {
            context.metrics().cancelled(kind);
            return respond(Response.text(503, "503 Service Unavailable: server shutting down\n"), true);
        }
        if (!admitted && failure == null) {
            context.metrics().refused();
            return respond(BUSY[Math.clamp(context.admission().retryAfterSeconds(), 1, Admission.MAX_RETRY_AFTER)], false);
        }
        if (failure instanceof HttpException e) {
            return respond(Response.text(e.status(), ResponseWriter.errorText(e.status(), e.getMessage())), false);
        }
        if (failure instanceof ProtocolException e) {
            return respondError(e.status(), e.getMessage());
        }
        if (failure instanceof IOException e && !conn.channel.isOpen()) {
            throw e; // the body read failed because the connection is gone: nobody to answer
        }
        if (failure != null) {
            LOG.error("handler for {} {} failed", head.method(), uri, failure);
            return respond(Response.text(500, "500 Internal Server Error\n"), false);
        }
        return respond(response, false);
    }

    private boolean respondError(int errorStatus, String message) throws IOException {
        status = errorStatus;
        ResponseWriter.writeError(conn.out, errorStatus, message, head.http11(), head.method().equals("HEAD"));
        return false;
    }

    /** Writes the response; returns whether the connection may go on. */
    private boolean respond(Response response, boolean forceClose) throws IOException {
        status = response.status();
        boolean headRequest = head.method().equals("HEAD");
        // Unread body: skip it if it is small and already on its way; a client waiting for
        // 100 Continue never sent it, and a large one is not worth reading: close instead.
        boolean bodyPending = !body.isComplete();
        boolean canDrain = !bodyPending || (!(head.expectContinue() && !continueSent)
                && (head.chunked() || head.contentLength() <= DRAIN_LIMIT));
        boolean close = forceClose || !head.keepAlive() || !canDrain || conn.stopRequested || context.stopping().getAsBoolean()
                || (response.isStreaming() && !head.http11());
        if (response.isStreaming()) {
            OutputStream stream = ResponseWriter.startStreaming(conn.out, status, response.headers().fields(), head.http11(), close,
                    headRequest);
            if (!headRequest) {
                try {
                    response.writer().writeTo(stream);
                    stream.close();
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    // The head is out; the only honest signal left is to cut the body short.
                    failure = e;
                    LOG.error("streaming body of {} {} failed; closing the connection", head.method(), uri, e);
                    return false;
                }
            }
        } else {
            ResponseWriter.writeFixed(conn.out, status, response.headers().fields(), response.body(), head.http11(), close,
                    headRequest);
        }
        if (close || !bodyPending) {
            return !close;
        }
        drainDeadline = System.nanoTime() + DRAIN_NANOS;
        return body.drain(DRAIN_LIMIT);
    }

    // ---- called by the body stream, in the handler's thread ------------------------------------

    @Override
    public void beforeBodyRead() throws IOException {
        Scope<Object, Void> s = scope;
        if (s != null && s.isCancelled()) {
            throw new InterruptedIOException("request cancelled: " + s.cancelReason().orElseThrow());
        }
        conn.state.beginBodyRead(drainDeadline);
        if (head.expectContinue() && !continueSent) {
            continueSent = true;
            try {
                ResponseWriter.writeContinue(conn.out);
            } catch (IOException e) {
                conn.state.endBodyRead();
                throw e;
            }
        }
    }

    @Override
    public void afterBodyRead() {
        conn.state.endBodyRead();
    }

    boolean bodyComplete() {
        return body != null && body.isComplete();
    }

    void cancel(CancelReason reason) {
        Scope<Object, Void> s = scope;
        if (s != null) {
            s.cancel(reason);
        }
    }
}
