package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loomkit.server.http1.PercentDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Percent-decoding, request headers and routing, on strings, without sockets. */
@Timeout(30)
class CodecUnitTest {

    @Test
    void testPercentDecodingIsStrictUtf8() {
        assertEquals("a b/c", PercentDecoder.decode("a%20b%2Fc", false));
        assertEquals("a+b", PercentDecoder.decode("a+b", false));
        assertEquals("a b", PercentDecoder.decode("a+b", true));
        assertEquals("é", PercentDecoder.decode("%C3%A9", false));
        String same = "plain";
        assertSame(same, PercentDecoder.decode(same, true), "nothing to decode: no copy");
        assertThrows(IllegalArgumentException.class, () -> PercentDecoder.decode("%", false));
        assertThrows(IllegalArgumentException.class, () -> PercentDecoder.decode("a%4", false));
        assertThrows(IllegalArgumentException.class, () -> PercentDecoder.decode("%zz", false));
        assertThrows(IllegalArgumentException.class, () -> PercentDecoder.decode("%\uFF11\uFF11", false), "fullwidth digits");
        assertThrows(IllegalArgumentException.class, () -> PercentDecoder.decode("%FF", false), "not UTF-8");
        assertThrows(IllegalArgumentException.class, () -> PercentDecoder.decode("%C3", false), "a truncated sequence");
    }

    @Test
    void testQueryStringsKeepOrderAndRepeats() {
        Map<String, List<String>> q = PercentDecoder.query("b=2&a=1&b=3&flag&&c=%20x+y");
        assertEquals(List.of("b", "a", "flag", "c"), List.copyOf(q.keySet()));
        assertEquals(List.of("2", "3"), q.get("b"));
        assertEquals(List.of(""), q.get("flag"));
        assertEquals(List.of(" x y"), q.get("c"));
        assertEquals(Map.of(), PercentDecoder.query(null));
        assertThrows(UnsupportedOperationException.class, () -> q.get("b").add("4"));
    }

    @Test
    void testARequestsHeadersWrapTheParsersListWithoutACopyAndGiveItOutReadOnly() {
        var parsed = new ArrayList<>(List.of(new Headers.Field("Host", "x"), new Headers.Field("Accept", "a")));
        Headers headers = Headers.owning(parsed);
        assertThrows(UnsupportedOperationException.class, () -> headers.fields().add(new Headers.Field("a", "b")));
        assertThrows(UnsupportedOperationException.class, () -> headers.fields().set(0, new Headers.Field("Host", "y")));
        assertEquals(parsed, headers.fields());
        assertEquals("x", headers.first("host").orElseThrow());
        assertSame(Headers.empty(), Headers.owning(new ArrayList<>()), "no fields: the shared empty headers");
    }

    @Test
    void testRoutingPrefersLiteralsDecodesParametersAndExplainsMisses() {
        Handler h = r -> Response.text(200, "x");
        var router = Router.builder()
                .get("/users/{id}", h)
                .get("/users/me", h)
                .post("/users/{id}", h)
                .route("DELETE", "/users/{id}", h, Duration.ofSeconds(2))
                .get("/", h)
                .build();
        assertEquals("/users/me", router.match("GET", "/users/me").route().template());
        var param = router.match("GET", "/users/j%C3%B6rg");
        assertEquals("/users/{id}", param.route().template());
        assertEquals("jörg", param.params().get("id"));
        assertEquals("/users/me", router.match("HEAD", "/users/me").route().template(), "HEAD is served by GET");
        assertEquals("/", router.match("GET", "/").route().template());
        var miss = router.match("PUT", "/users/7");
        assertNull(miss.route());
        assertEquals(405, miss.status());
        assertEquals(Set.of("GET", "HEAD", "POST", "DELETE"), miss.allowed());
        assertEquals(404, router.match("GET", "/users/7/orders").status());
        assertEquals(404, router.match("GET", "/users/").status(), "an empty parameter matches nothing");
        assertEquals(Duration.ofSeconds(2), router.shortestTimeout());
        assertThrows(IllegalArgumentException.class, () -> router.match("GET", "/users/%zz"));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("/a/{x}/{x}", h));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("/a", h).get("/a", h));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().route("HEAD", "/a", h));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("a", h));
    }

    @Test
    void testAMalformedPathParameterIsA400() throws Exception {
        var router = Router.builder().get("/users/{id}", r -> Response.text(200, r.pathParam("id"))).build();
        for (ThreadMode mode : ThreadMode.values()) {
            try (var server = new TestServer(mode, router); var c = server.raw()) {
                assertEquals(200, c.exchange("GET /users/a%20b HTTP/1.1\r\nHost: x\r\n\r\n").status());
                assertEquals(400, c.exchange("GET /users/%zz HTTP/1.1\r\nHost: x\r\n\r\n").status());
            }
        }
    }
}
