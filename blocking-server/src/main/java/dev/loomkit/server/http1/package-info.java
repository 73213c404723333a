/**
 * The HTTP/1.1 codec (RFC 9112): the request head parser, request bodies (by length and chunked),
 * the connection's buffered input and output, and the response writer. Not exported: the module
 * descriptor keeps it to the server, whose engine ({@code dev.loomkit.server}) drives it.
 *
 * <p>The codec knows nothing of threads, scopes or the server's lifecycle. What it needs from a
 * connection comes in through three small interfaces the engine implements:
 * {@link dev.loomkit.server.http1.RequestHeadParser.HeadEvents} (a head started; a HEAD request is
 * refused), {@link dev.loomkit.server.http1.BodyInputStream.ReadGuard} (around each body read from
 * the network) and {@link dev.loomkit.server.http1.HttpOutput.WriteTimer} (around each blocking
 * write). It uses only the public API's value types ({@link dev.loomkit.server.Headers.Field},
 * {@link dev.loomkit.server.ProtocolException}, the limits in
 * {@link dev.loomkit.server.ServerConfig}); it never reaches into the engine.
 *
 * <p>Its types are public so that the engine, in another package, can use them; on the class path
 * anyone could, and nothing here is API: it changes without notice.
 */
package dev.loomkit.server.http1;
