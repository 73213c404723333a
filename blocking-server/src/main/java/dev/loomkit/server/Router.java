package dev.loomkit.server;

import dev.loomkit.server.http1.PercentDecoder;
import dev.loomkit.server.http1.Rfc9110;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Routes by method and path template; {@code {name}} segments capture path parameters. A path no
 * route matches gets 404; a path that matches only under other methods gets 405 with an
 * {@code Allow} field. {@code HEAD} is served by the {@code GET} route, without the body. Literal
 * segments win over parameters, so {@code /users/me} and {@code /users/{id}} may coexist.
 * {@snippet :
 * Router router = Router.builder()
 *         .get("/hello", request -> Response.text(200, "hello"))
 *         .get("/users/{id}", request -> Response.text(200, "user " + request.pathParam("id")))
 *         .route("POST", "/reports", reports::create, Duration.ofSeconds(60))   // its own deadline
 *         .build();
 * }
 */
public final class Router {
    private final List<Route> routes;
    /**
     * Routes without parameters, by method, then path, as ready-made matches: the common case,
     * found without splitting the path or allocating.
     */
    private final Map<String, Map<String, Match>> literal = new java.util.HashMap<>();

    private Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
        for (int i = 0; i < this.routes.size(); i++) {
            Route r = this.routes.get(i);
            r.index = i;
            if (r.literalCount() == r.segments.length) {
                literal.computeIfAbsent(r.method, m -> new java.util.HashMap<>()).put(r.template, Match.found(r, Map.of()));
            }
        }
    }

    /** {@return how many routes there are; a route's index is below it} */
    int size() {
        return routes.size();
    }

    /** {@return a new builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** A route: method, template, handler, and an optional deadline of its own. */
    static final class Route {
        final String method;
        final String template;
        final String[] segments;
        final Handler handler;
        final Duration timeout;
        /** Position in the router, set once when the router is built. */
        int index;

        Route(String method, String template, String[] segments, Handler handler, Duration timeout) {
            this.method = method;
            this.template = template;
            this.segments = segments;
            this.handler = handler;
            this.timeout = timeout;
        }

        String method() {
            return method;
        }

        String template() {
            return template;
        }

        Handler handler() {
            return handler;
        }

        Duration timeout() {
            return timeout;
        }

        int literalCount() {
            int n = 0;
            for (String s : segments) {
                if (!isParam(s)) {
                    n++;
                }
            }
            return n;
        }
    }

    /** The outcome of routing: a route with its parameters, or a status with allowed methods. */
    record Match(Route route, Map<String, String> params, int status, Set<String> allowed) {
        static Match found(Route route, Map<String, String> params) {
            return new Match(route, params, 0, Set.of());
        }
    }

    private static boolean isParam(String segment) {
        return segment.length() > 2 && segment.charAt(0) == '{' && segment.charAt(segment.length() - 1) == '}';
    }

    private static String[] split(String path) {
        // "/a/b" -> ["a", "b"]; "/" -> []; a trailing slash is a segment of its own: "/a/" -> ["a", ""]
        return path.length() <= 1 ? new String[0] : path.substring(1).split("/", -1);
    }

    /** {@return the shortest timeout a route sets, or null if none sets one} */
    Duration shortestTimeout() {
        Duration shortest = null;
        for (Route r : routes) {
            if (r.timeout != null && (shortest == null || r.timeout.compareTo(shortest) < 0)) {
                shortest = r.timeout;
            }
        }
        return shortest;
    }

    Match match(String method, String path) {
        String wanted = method.equals("HEAD") ? "GET" : method;
        Map<String, Match> byPath = literal.get(wanted);
        if (byPath != null) {
            // A literal route has the most literal segments a match can have: an exact hit wins.
            Match exact = byPath.get(path);
            if (exact != null) {
                return exact;
            }
        }
        String[] parts = split(path);
        Route best = null;
        for (Route r : routes) {
            if (r.method.equals(wanted) && matches(r.segments, parts) && (best == null || r.literalCount() > best.literalCount())) {
                best = r;
            }
        }
        if (best != null) {
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < best.segments.length; i++) {
                if (isParam(best.segments[i])) {
                    params.put(best.segments[i].substring(1, best.segments[i].length() - 1), PercentDecoder.decode(parts[i], false));
                }
            }
            return Match.found(best, params);
        }
        // Only a miss needs to know which methods the path has: 405 with Allow, or 404.
        Set<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            if (matches(r.segments, parts)) {
                allowed.add(r.method);
                if (r.method.equals("GET")) {
                    allowed.add("HEAD");
                }
            }
        }
        return allowed.isEmpty() ? new Match(null, Map.of(), 404, Set.of()) : new Match(null, Map.of(), 405, allowed);
    }

    private static boolean matches(String[] template, String[] parts) {
        if (template.length != parts.length) {
            return false;
        }
        for (int i = 0; i < template.length; i++) {
            if (isParam(template[i]) ? parts[i].isEmpty() : !template[i].equals(parts[i])) {
                return false;
            }
        }
        return true;
    }

    /** Collects routes; {@link #build()} checks them. */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a route with the server's default request deadline.
         *
         * @param method   an HTTP method (a token, any case; stored upper-case)
         * @param template a path starting with {@code /}; {@code {name}} segments are parameters
         * @param handler  the handler
         * @return this builder
         * @throws IllegalArgumentException if the method or template is malformed, a parameter name is
         *                                  repeated, or the same method and template were added before
         */
        public Builder route(String method, String template, Handler handler) {
            return add(method, template, handler, null);
        }

        /**
         * Adds a route with a request deadline of its own, which replaces the server's default.
         *
         * @param method   an HTTP method
         * @param template a path template
         * @param handler  the handler
         * @param timeout  the time a request on this route may take
         * @return this builder
         * @throws IllegalArgumentException as for {@link #route(String, String, Handler)}, or if the timeout is not positive
         */
        public Builder route(String method, String template, Handler handler, Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("route timeout must be positive: " + timeout);
            }
            return add(method, template, handler, timeout);
        }

        /**
         * {@return this builder}
         *
         * @param template the path template
         * @param handler the handler
         */
        public Builder get(String template, Handler handler) {
            return route("GET", template, handler);
        }

        /**
         * {@return this builder}
         *
         * @param template the path template
         * @param handler the handler
         */
        public Builder post(String template, Handler handler) {
            return route("POST", template, handler);
        }

        /**
         * {@return this builder}
         *
         * @param template the path template
         * @param handler the handler
         */
        public Builder put(String template, Handler handler) {
            return route("PUT", template, handler);
        }

        /**
         * {@return this builder}
         *
         * @param template the path template
         * @param handler the handler
         */
        public Builder delete(String template, Handler handler) {
            return route("DELETE", template, handler);
        }

        private Builder add(String method, String template, Handler handler, Duration timeout) {
            Objects.requireNonNull(handler, "handler");
            if (!Rfc9110.isToken(method)) {
                throw new IllegalArgumentException("not a valid method: '" + method + "'");
            }
            Objects.requireNonNull(template, "template");
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("a route template starts with '/': '" + template + "'");
            }
            String m = method.toUpperCase(Locale.ROOT);
            if (m.equals("HEAD")) {
                throw new IllegalArgumentException("HEAD is served by the GET route of the same template");
            }
            String[] segments = split(template);
            Set<String> names = new TreeSet<>();
            for (String s : segments) {
                if (isParam(s) && !names.add(s)) {
                    throw new IllegalArgumentException("parameter " + s + " appears twice in '" + template + "'");
                }
                if (!isParam(s) && (s.contains("{") || s.contains("}"))) {
                    throw new IllegalArgumentException("malformed parameter segment '" + s + "' in '" + template + "'");
                }
            }
            for (Route r : routes) {
                if (r.method.equals(m) && r.template.equals(template)) {
                    throw new IllegalArgumentException("route " + m + " " + template + " is already defined");
                }
            }
            routes.add(new Route(m, template, segments, handler, timeout));
            return this;
        }

        /** {@return the router} */
        public Router build() {
            return new Router(routes);
        }
    }
}
